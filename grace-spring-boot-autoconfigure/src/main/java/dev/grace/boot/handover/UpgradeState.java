package dev.grace.boot.handover;

/**
 * Where the serving process is in its life; a restart moves it from {@link #SERVING} to
 * {@link #UPGRADING} and then to {@link #DRAINING}, or back to {@link #SERVING}.
 */
public enum UpgradeState {

	/** Accepting connections; a restart may start. */
	SERVING,
	/** A child is starting; a second restart is refused. */
	UPGRADING,
	/** The child took over; this process finishes what it has and exits. */
	DRAINING,
	/** Asked to stop (SIGTERM, SIGINT, context closed). */
	STOPPING;

	/**
	 * The name the status endpoint shows.
	 * @return lower case name
	 */
	public String label() {
		return name().toLowerCase(java.util.Locale.ROOT);
	}

}
