package dev.grace.boot.internal.supervisor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import jnr.constants.platform.Errno;
import jnr.constants.platform.WaitFlags;
import jnr.ffi.LibraryLoader;
import jnr.posix.POSIX;
import jnr.posix.SpawnFileAction;
import jnr.unixsocket.UnixDatagramChannel;
import org.jspecify.annotations.Nullable;
import sun.misc.Signal;

import dev.grace.boot.internal.SpawnedChild.ExitStatus;
import dev.grace.boot.internal.posix.NativePosix;
import dev.grace.boot.internal.posix.ProcNet;

/**
 * Stays PID 1 (or the process tini waits for) while the application restarts under it:
 * runs the application as its child, reaps every process that ends up its child (PID 1's
 * duty, which a JVM running an application does not do), forwards TERM, INT, HUP and
 * USR2 to whichever process serves, follows each restart (the serving process names its
 * successor before it exits) and exits with the serving process's status once it is gone
 * for good: 0 after a graceful stop, 128+n after death by signal n. Not a process
 * manager: it never restarts anything by itself.
 * <p>
 * Runs in a JVM of its own with a small heap, without Spring: {@link SupervisorLauncher}
 * puts it in place of the application's first JVM, keeping the pid.
 */
public final class Supervisor {

	private static final int PR_SET_CHILD_SUBREAPER = 36;

	private static final List<String> FORWARDED = List.of("TERM", "INT", "HUP", "USR2");

	// the successor is named long before its parent exits, and a process that stops for
	// good says so: this only covers scheduling, and a process that ends without a word
	private static final long SUCCESSOR_WAIT_MILLIS = 500;

	private final POSIX posix = NativePosix.get();

	private final AtomicLong main = new AtomicLong(-1);

	private final AtomicLong successor = new AtomicLong(-1);

	// processes that said they stop for good: no successor comes after them
	private final Set<Long> stopping = ConcurrentHashMap.newKeySet();

	private final long self = ProcessHandle.current().pid();

	/**
	 * Runs the application given as arguments and supervises it until it is gone.
	 * @param args the application's command line, the java executable first
	 */
	public static void main(String[] args) {
		if (args.length == 0) {
			System.err.println("Usage: Supervisor <java> <arguments of the application>");
			System.exit(2);
		}
		System.exit(new Supervisor().run(List.of(args), System.getenv()));
	}

	int run(List<String> command, Map<String, String> env) {
		if (this.self != 1) {
			becomeSubreaper();
		}
		String socketName = "grace-supervisor-" + this.self + "-" + UUID.randomUUID();
		try (UnixDatagramChannel channel = UnixDatagramChannel.open()) {
			channel.bind(SupervisorChannel.address(socketName));
			daemon(() -> receive(channel), "grace-supervisor-channel").start();
			for (String name : FORWARDED) {
				Signal.handle(new Signal(name), this::forward);
			}
			long first = spawn(command, env, socketName);
			this.main.set(first);
			log("Supervisor pid " + this.self + " started the application as pid " + first
					+ "; it forwards TERM, INT, HUP and USR2 to the serving process and reaps every orphan");
			return superviseUntilGone();
		}
		catch (IOException | RuntimeException ex) {
			log("Supervisor pid " + this.self + " cannot run the application: " + ex);
			return 1;
		}
	}

	private int superviseUntilGone() {
		int[] status = new int[1];
		int lastStatus = 0;
		Integer early = null;
		while (true) {
			long serving = this.main.get();
			int wait;
			if (early != null) {
				wait = early; // the successor had exited before its predecessor
				early = null;
			}
			else {
				long pid = this.posix.waitpid(-1, status, 0);
				if (pid < 0) {
					if (this.posix.errno() == Errno.EINTR.intValue()) {
						continue;
					}
					return lastStatus; // no child left
				}
				if (pid != serving) {
					continue; // an orphan, reaped
				}
				wait = status[0];
			}
			ExitStatus exited = ExitStatus.of(wait);
			lastStatus = exited.shellCode();
			Successor next = awaitSuccessor(serving);
			this.stopping.remove(serving);
			if (next.pid() < 0) {
				reapOrphans(new HashMap<>());
				log("Supervisor: pid " + serving + " exited (" + exited + ") and " + next.why() + "; exiting "
						+ lastStatus);
				return lastStatus;
			}
			early = next.exit();
			this.main.set(next.pid());
			log("Supervisor: pid " + serving + " exited (" + exited + "); pid " + next.pid() + " serves now");
		}
	}

	/**
	 * The process that serves after {@code exited}: the successor it named, or none when
	 * it said it stops for good, its successor did, or it named none in time. Orphans are
	 * reaped meanwhile (a side run the exited process killed, say), as this process is
	 * their parent; the status of one that is the successor goes to the supervising loop.
	 */
	private Successor awaitSuccessor(long exited) {
		long deadline = System.nanoTime() + SUCCESSOR_WAIT_MILLIS * 1_000_000;
		Map<Long, Integer> reaped = new HashMap<>();
		while (true) {
			reapOrphans(reaped);
			long next = this.successor.get();
			boolean named = next > 0 && next != exited;
			if (named && reaped.containsKey(next)) {
				return new Successor(next, reaped.get(next), "");
			}
			if (named && this.posix.kill(next, 0) == 0) {
				return new Successor(next, null, "");
			}
			if (named && this.stopping.contains(next)) {
				return new Successor(-1, null, "its successor, pid " + next + ", stopped for good before it");
			}
			if (this.stopping.contains(exited)) {
				return new Successor(-1, null, "said it stops for good");
			}
			if (System.nanoTime() >= deadline) {
				return new Successor(-1, null, named ? "named pid " + next + ", which is gone"
						: "named no successor within " + SUCCESSOR_WAIT_MILLIS + " ms");
			}
			try {
				Thread.sleep(10);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return new Successor(-1, null, "the supervisor was interrupted");
			}
		}
	}

	/** Reaps every child that has exited, without waiting, keeping their statuses. */
	private void reapOrphans(Map<Long, Integer> reaped) {
		int[] status = new int[1];
		for (long pid; (pid = this.posix.waitpid(-1, status, WaitFlags.WNOHANG.intValue())) > 0;) {
			reaped.put(pid, status[0]);
		}
	}

	private void receive(UnixDatagramChannel channel) {
		ByteBuffer buffer = ByteBuffer.allocate(512);
		while (channel.isOpen()) {
			try {
				buffer.clear();
				channel.receive(buffer);
				buffer.flip();
				String message = StandardCharsets.US_ASCII.decode(buffer).toString();
				long pid = SupervisorChannel.mainPid(message);
				if (pid > 0) {
					this.successor.set(pid);
				}
				long stopping = SupervisorChannel.stoppingPid(message);
				if (stopping > 0) {
					this.stopping.add(stopping);
				}
			}
			catch (IOException ex) {
				if (!channel.isOpen()) {
					return;
				}
			}
		}
	}

	// To the newest process named: while its predecessor drains (and ignores a stop, as
	// it is stopping already) the successor serves, and a stop meant for the container
	// must reach it.
	private void forward(Signal signal) {
		long named = this.successor.get();
		long target = (named > 0 && this.posix.kill(named, 0) == 0) ? named : this.main.get();
		if (target > 0) {
			this.posix.kill(target, signal.getNumber());
		}
	}

	private long spawn(List<String> command, Map<String, String> env, String socketName) {
		List<SpawnFileAction> actions = new ArrayList<>();
		// the supervisor's own descriptors (its jar, the channel) stay here
		int highest = ProcNet.openFds().stream().mapToInt(Integer::intValue).max().orElse(2);
		for (int fd = 3; fd <= highest + 64; fd++) {
			actions.add(SpawnFileAction.close(fd));
		}
		Map<String, String> childEnv = new TreeMap<>(env);
		childEnv.put(SupervisorChannel.VARIABLE, socketName);
		List<String> envp = new ArrayList<>();
		childEnv.forEach((key, value) -> envp.add(key + "=" + value));
		long pid = this.posix.posix_spawnp(command.get(0), actions, command, envp);
		if (pid <= 0) {
			throw new IllegalStateException("posix_spawnp could not start " + command.get(0));
		}
		return pid;
	}

	private void becomeSubreaper() {
		int result = LibraryLoader.create(Prctl.class).load("c").prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
		if (result != 0) {
			log("Supervisor: prctl(PR_SET_CHILD_SUBREAPER) failed; a restarted application is not its child");
		}
	}

	private static Thread daemon(Runnable task, String name) {
		Thread thread = new Thread(task, name);
		thread.setDaemon(true);
		return thread;
	}

	// The application's log format, without Spring: the supervisor never loads it
	static void log(String message) {
		System.out.println(Instant.now() + "  INFO " + ProcessHandle.current().pid() + " --- [supervisor] "
				+ Supervisor.class.getName() + " : " + message);
		System.out.flush();
	}

	/**
	 * What follows a serving process's exit.
	 * @param pid the process that serves now, -1 for none
	 * @param exit its wait status when it was reaped already, else null
	 * @param why why none serves
	 */
	private record Successor(long pid, @Nullable Integer exit, String why) {
	}

	/** The one libc call jnr-posix does not have. */
	public interface Prctl {

		int prctl(int option, long arg2, long arg3, long arg4, long arg5);

	}

	@Override
	public String toString() {
		return "Supervisor" + Arrays.asList(this.self, this.main.get());
	}

}
