package dev.grace.boot.internal.supervisor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import jnr.constants.platform.Errno;
import jnr.ffi.LibraryLoader;
import jnr.posix.POSIX;
import jnr.posix.SpawnFileAction;
import jnr.unixsocket.UnixDatagramChannel;
import sun.misc.Signal;

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

	// the successor is named long before its parent exits; this only covers scheduling
	private static final long SUCCESSOR_WAIT_MILLIS = 500;

	private final POSIX posix = NativePosix.get();

	private final AtomicLong main = new AtomicLong(-1);

	private final AtomicLong successor = new AtomicLong(-1);

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
		while (true) {
			long pid = this.posix.waitpid(-1, status, 0);
			if (pid < 0) {
				if (this.posix.errno() == Errno.EINTR.intValue()) {
					continue;
				}
				return lastStatus; // no child left
			}
			if (pid != this.main.get()) {
				continue; // an orphan, reaped
			}
			lastStatus = exitCode(status[0]);
			long next = awaitSuccessor(pid);
			if (next < 0) {
				log("Supervisor: pid " + pid + " exited (" + describe(status[0]) + ") and named no successor; exiting "
						+ lastStatus);
				return lastStatus;
			}
			this.main.set(next);
			log("Supervisor: pid " + pid + " exited (" + describe(status[0]) + "); pid " + next + " serves now");
		}
	}

	private long awaitSuccessor(long exited) {
		long deadline = System.nanoTime() + SUCCESSOR_WAIT_MILLIS * 1_000_000;
		do {
			long next = this.successor.get();
			if (next > 0 && next != exited && this.posix.kill(next, 0) == 0) {
				return next;
			}
			try {
				Thread.sleep(10);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return -1;
			}
		}
		while (System.nanoTime() < deadline);
		return -1;
	}

	private void receive(UnixDatagramChannel channel) {
		ByteBuffer buffer = ByteBuffer.allocate(512);
		while (channel.isOpen()) {
			try {
				buffer.clear();
				channel.receive(buffer);
				buffer.flip();
				long pid = SupervisorChannel.mainPid(StandardCharsets.US_ASCII.decode(buffer).toString());
				if (pid > 0) {
					this.successor.set(pid);
				}
			}
			catch (IOException ex) {
				if (!channel.isOpen()) {
					return;
				}
			}
		}
	}

	private void forward(Signal signal) {
		long target = this.main.get();
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

	static int exitCode(int wait) {
		int termsig = wait & 0x7f;
		return (termsig == 0) ? (wait >> 8) & 0xff : 128 + termsig;
	}

	private static String describe(int wait) {
		int termsig = wait & 0x7f;
		return (termsig == 0) ? "exit code " + ((wait >> 8) & 0xff) : "killed by signal " + termsig;
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

	/** The one libc call jnr-posix does not have. */
	public interface Prctl {

		int prctl(int option, long arg2, long arg3, long arg4, long arg5);

	}

	@Override
	public String toString() {
		return "Supervisor" + Arrays.asList(this.self, this.main.get());
	}

}
