CONSOLE_NAV: list = []
