package dev.grace.boot.internal;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The drain of a process that was replaced: from the moment the new process serves
 * until this one's web servers have stopped, every connection closed (finished, or cut
 * at {@code grace.drain-timeout}). A draining process no longer accepts, so nobody could
 * scrape it: it reports what it still has open, and at last how long it took, to the
 * new process, which shows them. Told of the handover through
 * {@link #asServiceManager()}; its end is {@link #finish()}, called once the web servers
 * stopped.
 */
public final class Drain {

	private static final Log logger = LogFactory.getLog(Drain.class);

	static final long REPORT_INTERVAL_MILLIS = 250;

	private static final String DRAINED = "drained=";

	private final Probe probe;

	private final int generation;

	private final RestartHistory history;

	private final Channel channel;

	private final LongSupplier nanoTime;

	private final long pid = ProcessHandle.current().pid();

	private volatile long startNanos = -1;

	private volatile @Nullable Duration duration;

	// guarded by this: the process that replaced this one, while this one drains
	private @Nullable Successor successor;

	// what the process this one replaced reported last
	private volatile Open predecessor = Open.NOTHING;

	/**
	 * Creates the drain of a process.
	 * @param probe what its connectors have open
	 * @param generation the process's generation
	 * @param history where drains are counted
	 * @param channel how drains are reported from one process to the next
	 */
	public Drain(Probe probe, int generation, RestartHistory history, Channel channel) {
		this(probe, generation, history, channel, System::nanoTime);
	}

	Drain(Probe probe, int generation, RestartHistory history, Channel channel, LongSupplier nanoTime) {
		this.probe = probe;
		this.generation = generation;
		this.history = history;
		this.channel = channel;
		this.nanoTime = nanoTime;
	}

	/**
	 * Takes the reports of the process this one replaces, from now until it has drained
	 * or exited.
	 * @param parentPid that process
	 */
	public void listenTo(long parentPid) {
		this.channel.listen(parentPid, (line) -> received(parentPid, line));
	}

	/**
	 * This drain as the restart core tells it of the handover.
	 * @return the view, one of the managers the core tells
	 */
	public ServiceManager asServiceManager() {
		return new ServiceManager() {

			@Override
			public void replacedBy(long pid, int generation, List<NamedSocket> listeners) {
				start(pid);
			}

			@Override
			public String toString() {
				return "drain";
			}

		};
	}

	// the new process serves: this one stops accepting now
	private void start(long successorPid) {
		synchronized (this) {
			if (this.startNanos >= 0) {
				return;
			}
			this.startNanos = this.nanoTime.getAsLong();
		}
		logger.info("Draining: " + this.probe.connections() + " connection(s) open, " + this.probe.requests()
				+ " request(s) being processed; pid " + successorPid + " serves now " + where(-1));
		// off the handover's path, which this is called on before this process stops
		// accepting: a process's first connection loads the native channel, and that once
		// took 2.3 s on a busy machine
		Thread reporter = new Thread(() -> connectAndReport(successorPid), "grace-drain");
		reporter.setDaemon(true);
		reporter.start();
	}

	private void connectAndReport(long successorPid) {
		Successor connected = this.channel.connect(successorPid);
		if (connected == null) {
			return;
		}
		synchronized (this) {
			Duration drained = this.duration;
			if (drained != null) { // over before the channel was open
				connected.send(DRAINED + drained.toMillis());
				connected.close();
				return;
			}
			this.successor = connected;
		}
		report();
	}

	private void report() {
		while (send(new Open(this.probe.connections(), this.probe.requests()).toString())) {
			try {
				Thread.sleep(REPORT_INTERVAL_MILLIS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

	// false once the successor is gone or the drain is over
	private synchronized boolean send(String line) {
		Successor to = this.successor;
		if (to == null || to.send(line)) {
			return to != null;
		}
		to.close();
		this.successor = null;
		return false;
	}

	/**
	 * The web servers have stopped: the drain is over, if there was one.
	 */
	public void finish() {
		long millis;
		synchronized (this) {
			if (this.startNanos < 0 || this.duration != null) {
				return;
			}
			millis = (this.nanoTime.getAsLong() - this.startNanos) / 1_000_000;
			this.duration = Duration.ofMillis(millis);
			send(DRAINED + millis);
			if (this.successor != null) {
				this.successor.close();
				this.successor = null;
			}
		}
		this.history.drained(Duration.ofMillis(millis));
		logger.info("Drained in " + millis + " ms: the web servers have stopped, no connection is left "
				+ where(millis));
	}

	private void received(long parentPid, @Nullable String line) {
		if (line == null) {
			this.predecessor = Open.NOTHING;
			return;
		}
		try {
			if (line.startsWith(DRAINED)) {
				long millis = Long.parseLong(line.substring(DRAINED.length()));
				this.predecessor = Open.NOTHING;
				this.history.drained(Duration.ofMillis(millis));
				logger.info("Pid " + parentPid + " drained in " + millis + " ms " + where(-1));
			}
			else {
				this.predecessor = Open.parse(line);
			}
		}
		catch (RuntimeException ex) {
			logger.warn("Ignoring drain report '" + line + "' from pid " + parentPid + ": " + ex.getMessage());
		}
	}

	/**
	 * Whether this process is draining now.
	 * @return true from the handover until {@link #finish()}
	 */
	public boolean isDraining() {
		return this.startNanos >= 0 && this.duration == null;
	}

	/**
	 * Connections still open in the process that drains: this one, or else the one it
	 * replaced, as it reported last.
	 * @return the number, 0 when none drains
	 */
	public int connections() {
		return isDraining() ? this.probe.connections() : this.predecessor.connections();
	}

	/**
	 * Requests still being processed in the process that drains: this one, or else the
	 * one it replaced, as it reported last.
	 * @return the number, 0 when none drains
	 */
	public int requests() {
		return isDraining() ? this.probe.requests() : this.predecessor.requests();
	}

	/**
	 * How long this process's drain took.
	 * @return the time, null until it is over or when there was none
	 */
	public @Nullable Duration duration() {
		return this.duration;
	}

	private String where(long elapsedMillis) {
		return "[pid=" + this.pid + " generation=" + this.generation
				+ ((elapsedMillis >= 0) ? " elapsed=" + elapsedMillis + "ms]" : "]");
	}

	/**
	 * What the connectors of this process have open.
	 */
	public interface Probe {

		/** For a process without connectors to look at. */
		Probe NONE = new Probe() {

			@Override
			public int connections() {
				return 0;
			}

			@Override
			public int requests() {
				return 0;
			}

		};

		/**
		 * Open connections, idle keep-alive ones included.
		 * @return the number
		 */
		int connections();

		/**
		 * Requests being processed: busy worker threads.
		 * @return the number
		 */
		int requests();

	}

	/**
	 * How a draining process reports to the one that replaced it: lines of text, what is
	 * open every {@value #REPORT_INTERVAL_MILLIS} ms and {@code drained=<millis>} last.
	 */
	public interface Channel {

		/** Reports to nobody and hears nothing. */
		Channel NONE = new Channel() {

			@Override
			public @Nullable Successor connect(long pid) {
				return null;
			}

			@Override
			public void listen(long parentPid, Consumer<@Nullable String> lines) {
			}

		};

		/**
		 * Reaches the process that replaced this one.
		 * @param pid its pid
		 * @return the way to it, null when it does not listen
		 */
		@Nullable Successor connect(long pid);

		/**
		 * Hears the process this one replaces, on a thread of its own, until that
		 * process stops reporting or exits.
		 * @param parentPid the only process heard
		 * @param lines receives each line, then null at the end
		 */
		void listen(long parentPid, Consumer<@Nullable String> lines);

	}

	/**
	 * The way to the process that replaced this one.
	 */
	public interface Successor {

		/**
		 * Sends one line.
		 * @param line the line, without its end
		 * @return false when it could not be sent
		 */
		boolean send(String line);

		void close();

	}

	/**
	 * What a draining process still has open.
	 *
	 * @param connections open connections
	 * @param requests requests being processed
	 */
	record Open(int connections, int requests) {

		static final Open NOTHING = new Open(0, 0);

		static Open parse(String line) {
			int connections = -1;
			int requests = -1;
			for (String field : line.trim().split(" ")) {
				if (field.startsWith("connections=")) {
					connections = Integer.parseInt(field.substring("connections=".length()));
				}
				else if (field.startsWith("requests=")) {
					requests = Integer.parseInt(field.substring("requests=".length()));
				}
			}
			if (connections < 0 || requests < 0) {
				throw new IllegalArgumentException("not connections=<n> requests=<n>");
			}
			return new Open(connections, requests);
		}

		@Override
		public String toString() {
			return "connections=" + this.connections + " requests=" + this.requests;
		}

	}

}
