package dev.grace.boot.restart;

/**
 * What asked for a restart.
 *
 * @since 0.1.0
 */
public enum RestartTrigger {

	/** {@code SIGUSR2}. */
	SIGNAL,
	/** {@code POST /actuator/grace}. */
	ACTUATOR;

	/**
	 * How logs name it.
	 * @return {@code SIGUSR2} or {@code actuator}
	 */
	public String label() {
		return (this == SIGNAL) ? "SIGUSR2" : "actuator";
	}

}
