"""What the tests share: plain helper functions and classes, imported as `helpers.<module>`
(tests/ is on sys.path through the root conftest). Fixtures live in the conftest.py files."""
