package dev.grace.demo.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;

import dev.grace.demo.support.PidNamespace.Member;

/**
 * Looks for zombies in a PID namespace every {@code period} on a background thread, from
 * the moment it is started until it is closed, and records every one it sees: when it
 * was first and last seen in state Z, and when first and last with no thread left but
 * its main one. A process shows state Z from the exit of its main thread until its
 * parent reaps it; its parent can reap it only once its other threads are gone too,
 * which takes a JVM whose threads run in {@code SCHED_IDLE} (a class-data side run)
 * seconds on a busy machine. From then on a reaping parent shows a zombie for an
 * instant at most; a zombie nobody reaps stays Z for good. {@link #lingering(Duration)}
 * tells them apart.
 */
public final class ZombieSampler implements AutoCloseable {

	/** Sampling period. */
	public static final Duration PERIOD = Duration.ofMillis(50);

	private final Supplier<List<Member>> zombies;

	private final Thread thread;

	private final AtomicBoolean running = new AtomicBoolean(true);

	private final AtomicInteger samples = new AtomicInteger();

	private final List<Sighting> closed = new ArrayList<>();

	private final Map<Long, Sighting> open = new HashMap<>();

	private final long startNanos = System.nanoTime();

	private volatile RuntimeException error;

	private ZombieSampler(Supplier<List<Member>> zombies, Duration period) {
		this.zombies = zombies;
		this.thread = new Thread(() -> {
			while (this.running.get()) {
				try {
					sample();
				}
				catch (RuntimeException ex) {
					this.error = ex;
					return;
				}
				try {
					Thread.sleep(period.toMillis());
				}
				catch (InterruptedException ex) {
					return;
				}
			}
		}, "zombie-sampler");
		this.thread.setDaemon(true);
		this.thread.start();
	}

	/**
	 * Starts sampling the zombies of a namespace.
	 * @param namespace the namespace
	 * @return the running sampler
	 */
	public static ZombieSampler start(PidNamespace namespace) {
		return new ZombieSampler(namespace::zombies, PERIOD);
	}

	private void sample() {
		List<Member> now = this.zombies.get();
		long at = System.nanoTime() - this.startNanos;
		synchronized (this) {
			Set<Long> seen = new HashSet<>();
			for (Member zombie : now) {
				seen.add(zombie.hostPid());
				boolean exited = onlyMainThreadLeft(zombie.hostPid());
				Sighting before = this.open.get(zombie.hostPid());
				this.open.put(zombie.hostPid(), (before != null) ? before.seenAgain(at, exited)
						: Sighting.first(zombie, at, exited));
			}
			this.open.entrySet().removeIf((entry) -> {
				boolean reaped = !seen.contains(entry.getKey());
				if (reaped) {
					this.closed.add(entry.getValue());
				}
				return reaped;
			});
		}
		this.samples.incrementAndGet();
	}

	// its other threads still being torn down, its parent cannot reap it yet; reaped
	// meanwhile, it has no thread left either
	private static boolean onlyMainThreadLeft(long hostPid) {
		try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(hostPid), "task"))) {
			return tasks.count() <= 1;
		}
		catch (IOException | UncheckedIOException ex) {
			return true;
		}
	}

	/**
	 * How many samples were taken so far.
	 * @return the count
	 */
	public int samples() {
		return this.samples.get();
	}

	/**
	 * Every zombie seen so far, reaped or not.
	 * @return the sightings, in the order they ended, still open ones last
	 */
	public synchronized List<Sighting> sightings() {
		if (this.error != null) {
			throw new IllegalStateException("The zombie sampler failed", this.error);
		}
		List<Sighting> all = new ArrayList<>(this.closed);
		all.addAll(this.open.values());
		return all;
	}

	/**
	 * The zombies that stayed zombies for at least {@code atLeast} once their parent
	 * could reap them (between the first and the last sighting with only the main thread
	 * left): ones their parent did not reap.
	 * @param atLeast how long counts as not reaped
	 * @return those sightings
	 */
	public List<Sighting> lingering(Duration atLeast) {
		return sightings().stream().filter((s) -> s.reapableFor().compareTo(atLeast) >= 0).toList();
	}

	@Override
	public void close() {
		this.running.set(false);
		this.thread.interrupt();
		try {
			this.thread.join(5000);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * One zombie, from its first to its last sighting.
	 *
	 * @param hostPid its host pid
	 * @param nsPid its pid in the namespace
	 * @param ppid its parent's host pid (who should reap it)
	 * @param name its command name
	 * @param firstNanos first seen, from the start of sampling
	 * @param lastNanos last seen, from the start of sampling
	 * @param count how many samples saw it
	 * @param reapableNanos first seen with only its main thread left, -1 if never
	 * @param reapableLastNanos last seen so, -1 if never
	 */
	public record Sighting(long hostPid, long nsPid, long ppid, String name, long firstNanos, long lastNanos,
			int count, long reapableNanos, long reapableLastNanos) {

		static Sighting first(Member zombie, long at, boolean reapable) {
			return new Sighting(zombie.hostPid(), zombie.nsPid(), zombie.ppid(), zombie.name(), at, at, 1,
					reapable ? at : -1, reapable ? at : -1);
		}

		Sighting seenAgain(long at, boolean reapable) {
			long since = (this.reapableNanos < 0 && reapable) ? at : this.reapableNanos;
			return new Sighting(this.hostPid, this.nsPid, this.ppid, this.name, this.firstNanos, at, this.count + 1,
					since, reapable ? at : this.reapableLastNanos);
		}

		public Duration seenFor() {
			return Duration.ofNanos(this.lastNanos - this.firstNanos);
		}

		/**
		 * How long it stayed a zombie once its parent could reap it.
		 * @return between the first and last sighting with only its main thread left
		 */
		public Duration reapableFor() {
			return (this.reapableNanos < 0) ? Duration.ZERO
					: Duration.ofNanos(this.reapableLastNanos - this.reapableNanos);
		}

		@Override
		public String toString() {
			return this.name + "(host " + this.hostPid + ", ns " + this.nsPid + ", parent " + this.ppid + ") Z for "
					+ seenFor().toMillis() + " ms, " + reapableFor().toMillis() + " ms of it with only its main "
					+ "thread left, over " + this.count + " samples from " + this.firstNanos / 1_000_000 + " ms";
		}

	}

}
