from polbot.cli import main

raise SystemExit(main())
