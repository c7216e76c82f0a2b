"""The running gateway: intake, workers, delivery, scheduler jobs (`edigw serve`)."""
