"""README's examples marked for doctest run as they are written, so README stays true."""

import doctest
import importlib.util
import pathlib
import re

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def _marked_blocks() -> list[str]:
    """The marked blocks; those marked ``needs scipy`` only where scipy is installed (it is
    optional)."""
    text = README.read_text()
    blocks = re.findall(r"<!-- doctest([^>]*)-->\s*```python\n(.*?)```", text, flags=re.S)
    has_scipy = importlib.util.find_spec("scipy") is not None
    return [block for mark, block in blocks if has_scipy or "needs scipy" not in mark]


def test_readme_doctest_blocks_run_as_written():
    blocks = _marked_blocks()
    assert blocks, "README has no blocks marked <!-- doctest -->"
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for k, block in enumerate(blocks):
        test = parser.get_doctest(block, {}, f"README block {k}", str(README), 0)
        result = runner.run(test)
        assert result.failed == 0, f"README block {k}: {result.failed} example(s) failed"
        assert result.attempted >= 3, f"README block {k} has almost no examples"
