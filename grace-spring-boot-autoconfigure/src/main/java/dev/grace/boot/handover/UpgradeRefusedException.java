package dev.grace.boot.handover;

/**
 * A restart that was not started because the process cannot take one now (one is under
 * way, or it is draining or stopping). Nothing changed.
 */
public class UpgradeRefusedException extends RuntimeException {

	public UpgradeRefusedException(String message) {
		super(message);
	}

}
