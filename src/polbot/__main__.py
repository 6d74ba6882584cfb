from polbot.commands import main

raise SystemExit(main())
