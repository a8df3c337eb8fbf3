from neuro_tui.cli import main

raise SystemExit(main())
