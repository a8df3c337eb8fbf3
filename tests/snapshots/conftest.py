from tests.tui.conftest import make_app, recorder, tui_config  # noqa: F401 - fixtures
