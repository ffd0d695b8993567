"""What browsers add: token cookies, device binding and the login device cookie."""
