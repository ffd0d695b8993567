"""What browsers add: token cookies, token binding and the login device cookie."""
