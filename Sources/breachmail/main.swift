print("breachmail")
