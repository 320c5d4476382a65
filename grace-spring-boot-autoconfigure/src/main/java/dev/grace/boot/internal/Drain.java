package dev.grace.boot.internal;

import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The drain of a process that was replaced: from the moment the new process serves
 * until this one's web servers have stopped, every connection closed (finished, or cut
 * at {@code grace.drain-timeout}). Told of the handover through
 * {@link #asServiceManager()}; its end is {@link #finish()}, called once the web servers
 * stopped.
 */
public final class Drain {

	private static final Log logger = LogFactory.getLog(Drain.class);

	private final Probe probe;

	private final LongSupplier nanoTime;

	private final long pid = ProcessHandle.current().pid();

	private volatile long startNanos = -1;

	private final int generation;

	private volatile @Nullable Duration duration;

	/**
	 * Creates the drain of a process.
	 * @param probe what its connectors have open
	 * @param generation the process's generation, for the log
	 */
	public Drain(Probe probe, int generation) {
		this(probe, generation, System::nanoTime);
	}

	Drain(Probe probe, int generation, LongSupplier nanoTime) {
		this.probe = probe;
		this.generation = generation;
		this.nanoTime = nanoTime;
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
	private void start(long successor) {
		synchronized (this) {
			if (this.startNanos >= 0) {
				return;
			}
			this.startNanos = this.nanoTime.getAsLong();
		}
		logger.info("Draining: " + this.probe.connections() + " connection(s) open, " + this.probe.requests()
				+ " request(s) being processed; pid " + successor + " serves now " + where(-1));
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
		}
		logger.info("Drained in " + millis + " ms: the web servers have stopped, no connection is left " + where(millis));
	}

	/**
	 * Whether this process is draining now.
	 * @return true from the handover until {@link #finish()}
	 */
	public boolean isDraining() {
		return this.startNanos >= 0 && this.duration == null;
	}

	/**
	 * Connections still open while draining.
	 * @return the number, 0 when not draining
	 */
	public int connections() {
		return isDraining() ? this.probe.connections() : 0;
	}

	/**
	 * Requests being processed while draining.
	 * @return the number, 0 when not draining
	 */
	public int requests() {
		return isDraining() ? this.probe.requests() : 0;
	}

	/**
	 * How long the drain took.
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

}
