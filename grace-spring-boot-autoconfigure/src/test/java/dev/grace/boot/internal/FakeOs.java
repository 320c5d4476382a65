package dev.grace.boot.internal;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;

import dev.grace.boot.internal.SpawnedChild.ExitStatus;
import dev.grace.boot.internal.SpawnedChild.Outcome;
import dev.grace.boot.restart.RestartRefusedException;
import dev.grace.boot.restart.RestartRelease;

/**
 * The operating system of {@link Restarter}, faked: children that become ready or exit
 * when a test says so, a spawner that can find no room, refuse the release, fail or hold, a listener
 * table and a parent that count what was asked of them (tableflip's {@code testProcess}).
 */
final class FakeOs {

	final Spawner spawner = new Spawner() {

		@Override
		public NextProcess prepare() {
			return FakeOs.this.prepare();
		}

		@Override
		public void checkRoom() {
			RuntimeException refusal = FakeOs.this.noRoom;
			if (refusal != null) {
				throw refusal;
			}
		}

	};

	final Listeners listeners = new Listeners();

	final Parent parent = new Parent();

	final Manager manager = new Manager();

	final BlockingQueue<FakeChild> spawned = new LinkedBlockingQueue<>();

	final List<String> calls = new CopyOnWriteArrayList<>();

	volatile @Nullable RuntimeException spawnFailure;

	/** What the next process runs; {@link #releaseRefusal} refuses it instead. */
	volatile RestartRelease release = new RestartRelease("/srv/app/current", "/srv/app/releases/2",
			"/srv/app/current/app.jar", "/srv/app/releases/2/app.jar", false);

	volatile @Nullable RestartRefusedException releaseRefusal;

	// runs when the managers hear of a failed restart
	volatile Runnable onRestartFailed = () -> {
	};

	/** Thrown by {@link Spawner#checkRoom()}: a refusal, or a check that broke. */
	volatile @Nullable RuntimeException noRoom;

	volatile @Nullable CountDownLatch spawnHold;

	private final AtomicInteger pids = new AtomicInteger(1000);

	private Spawner.NextProcess prepare() {
		RestartRefusedException refusal = this.releaseRefusal;
		if (refusal != null) {
			throw refusal;
		}
		RestartRelease next = this.release;
		return new Spawner.NextProcess() {

			@Override
			public RestartRelease release() {
				return next;
			}

			@Override
			public String summary() {
				return "New process runs jar " + next.jar() + " in " + next.workingDirectory();
			}

			@Override
			public SpawnedChild spawn(List<NamedSocket> sockets) throws InterruptedException {
				return FakeOs.this.spawn(sockets);
			}

		};
	}

	private SpawnedChild spawn(List<NamedSocket> sockets) throws InterruptedException {
		this.calls.add("spawn " + sockets);
		CountDownLatch hold = this.spawnHold;
		if (hold != null) {
			hold.await(5, TimeUnit.SECONDS);
		}
		RuntimeException failure = this.spawnFailure;
		if (failure != null) {
			throw failure;
		}
		FakeChild child = new FakeChild(this.pids.incrementAndGet());
		this.spawned.add(child);
		return child;
	}

	FakeChild nextChild() throws InterruptedException {
		FakeChild child = this.spawned.poll(5, TimeUnit.SECONDS);
		if (child == null) {
			throw new AssertionError("no child was spawned; calls: " + this.calls);
		}
		return child;
	}

	final class Listeners implements ListenerTable {

		final List<NamedSocket> sockets = List.of(new NamedSocket("server",
				new ListeningSocket(3, new InetSocketAddress("127.0.0.1", 8080), 42)));

		@Override
		public List<NamedSocket> sockets() {
			return this.sockets;
		}

		@Override
		public void startAccepting() {
			FakeOs.this.calls.add("startAccepting");
		}

		@Override
		public void stopAccepting() {
			FakeOs.this.calls.add("stopAccepting");
		}

	}

	final class Manager implements ServiceManager {

		volatile @Nullable RuntimeException servingFailure;

		@Override
		public void serving(int generation, List<NamedSocket> sockets, ParentChannel parent) {
			FakeOs.this.calls.add("manager serving " + generation);
			RuntimeException failure = this.servingFailure;
			if (failure != null) {
				throw failure;
			}
		}

		@Override
		public void restarting() {
			FakeOs.this.calls.add("manager restarting");
		}

		@Override
		public void childStarted(long pid) {
			FakeOs.this.calls.add("manager childStarted " + pid);
		}

		@Override
		public void replacedBy(long pid, int generation, List<NamedSocket> sockets) {
			FakeOs.this.calls.add("manager replacedBy " + pid + " generation " + generation);
		}

		@Override
		public void restartFailed(String reason) {
			FakeOs.this.calls.add("manager restartFailed");
			FakeOs.this.onRestartFailed.run();
		}

		@Override
		public void stopping() {
			FakeOs.this.calls.add("manager stopping");
		}

	}

	final class Parent implements ParentChannel {

		@Override
		public long pid() {
			return 1;
		}

		@Override
		public boolean notifyReady() {
			FakeOs.this.calls.add("notifyParent");
			return true;
		}

	}

	/** A child that does what the test says, when it says it. */
	static final class FakeChild implements SpawnedChild {

		private final long pid;

		private final CompletableFuture<Boolean> ready = new CompletableFuture<>();

		private final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();

		volatile boolean stopped;

		FakeChild(long pid) {
			this.pid = pid;
		}

		void becomeReady() {
			this.ready.complete(true);
		}

		void exit(int code) {
			this.exit.complete(new ExitStatus(code, -1));
		}

		@Override
		public long pid() {
			return this.pid;
		}

		@Override
		public Outcome awaitReady(Duration timeout) {
			try {
				Object first = CompletableFuture.anyOf(this.ready, this.exit)
					.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
				return (first instanceof ExitStatus status) ? Outcome.exited(status) : Outcome.ready();
			}
			catch (TimeoutException ex) {
				return Outcome.timedOut();
			}
			catch (InterruptedException | ExecutionException ex) {
				throw new IllegalStateException(ex);
			}
		}

		@Override
		public ExitStatus stop(Duration grace) {
			this.stopped = true;
			this.exit.complete(new ExitStatus(-1, 15));
			return this.exit.join();
		}

		@Override
		public boolean hasExited() {
			return this.exit.isDone();
		}

	}

}
