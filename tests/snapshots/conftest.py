from tests.tui.conftest import fake, make_app, recorder, tui_config  # noqa: F401 - fixtures
