package dev.grace.demo.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * The PID namespace made by {@code unshare --pid --fork …}, seen from the host: its PID 1
 * (the child of {@code unshare}), every process in it (zombies included) with its host
 * and namespace pids, and signals to its PID 1 from outside. A process belongs to it when
 * its {@code /proc/<pid>/ns/pid} names the same namespace as PID 1's; that link can be
 * read for zombies too, whose command line is empty.
 * <p>
 * Killing PID 1 (SIGKILL from the host always reaches it) makes the kernel kill every
 * other process of the namespace; PID 1 itself is reaped by {@code unshare}, the others
 * by the dying PID 1. PID 1 is only ever signalled after checking that its host pid
 * still names the same process (same start time), so a recycled pid is never hit.
 */
public final class PidNamespace {

	private final long unsharePid;

	private final long initHostPid;

	private final String initStartTime;

	private final String namespace;

	private PidNamespace(long unsharePid, long initHostPid, String initStartTime, String namespace) {
		this.unsharePid = unsharePid;
		this.initHostPid = initHostPid;
		this.initStartTime = initStartTime;
		this.namespace = namespace;
	}

	/**
	 * Finds the namespace of a running {@code unshare --pid --fork}: waits for its child
	 * to appear in a PID namespace other than its own.
	 * @param unsharePid the pid of {@code unshare}
	 * @param timeout how long to wait for the child
	 * @return the namespace
	 */
	public static PidNamespace of(long unsharePid, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		String hostNamespace = namespaceOf(unsharePid)
			.orElseThrow(() -> new IllegalStateException("unshare (pid " + unsharePid + ") is not running"));
		while (true) {
			List<Long> children = children(unsharePid);
			if (children.size() == 1) {
				long init = children.get(0);
				Optional<String> namespace = namespaceOf(init);
				Optional<String> startTime = startTime(init);
				if (namespace.isPresent() && startTime.isPresent() && !namespace.get().equals(hostNamespace)) {
					return new PidNamespace(unsharePid, init, startTime.get(), namespace.get());
				}
			}
			if (!Processes.isAlive(unsharePid)) {
				throw new IllegalStateException("unshare (pid " + unsharePid + ") exited before its child appeared");
			}
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException("unshare (pid " + unsharePid + ") had no child in a new PID namespace within "
						+ timeout + " (children " + children + ")");
			}
			DemoProcess.pause(10);
		}
	}

	public long unsharePid() {
		return this.unsharePid;
	}

	/**
	 * The host pid of the namespace's PID 1, the child of {@code unshare}.
	 * @return the pid
	 */
	public long initHostPid() {
		return this.initHostPid;
	}

	/**
	 * The namespace, as {@code readlink /proc/<pid>/ns/pid} names it.
	 * @return for example {@code pid:[4026532178]}
	 */
	public String namespace() {
		return this.namespace;
	}

	/**
	 * Whether PID 1 still runs (not a zombie, same process as at the start).
	 * @return whether it runs
	 */
	public boolean initAlive() {
		return isInit() && state(this.initHostPid).map((state) -> state != 'Z').orElse(false);
	}

	/**
	 * Sends a signal to PID 1 from the host, as {@code docker kill --signal} does. The
	 * kernel delivers it only if PID 1 handles that signal (SIGKILL and SIGSTOP always).
	 * @param signal the signal number
	 */
	public void signalInit(int signal) {
		if (!initAlive()) {
			throw new IllegalStateException("PID 1 of " + this.namespace + " (host pid " + this.initHostPid
					+ ") is no longer running; cannot send signal " + signal);
		}
		Processes.signal(this.initHostPid, signal);
	}

	/**
	 * Every process of the namespace, zombies included, PID 1 first.
	 * @return the processes
	 */
	public List<Member> members() {
		List<Member> members = new ArrayList<>();
		try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
			procs.map((p) -> p.getFileName().toString())
				.filter((name) -> !name.isEmpty() && name.chars().allMatch(Character::isDigit))
				.map(Long::parseLong)
				.filter((pid) -> namespaceOf(pid).map(this.namespace::equals).orElse(false))
				.forEach((pid) -> member(pid).ifPresent(members::add));
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot list /proc", ex);
		}
		members.sort((a, b) -> Long.compare(a.nsPid(), b.nsPid()));
		return members;
	}

	/**
	 * The zombies of the namespace now.
	 * @return the processes in state Z
	 */
	public List<Member> zombies() {
		return members().stream().filter(Member::zombie).toList();
	}

	/**
	 * The host pid of a process of the namespace, by its pid inside it (what the demo
	 * reports as {@code pid}), whether running or a zombie.
	 * @param nsPid the pid inside the namespace
	 * @return the host pid, empty if no such process exists (any more)
	 */
	public OptionalLong hostPidOf(long nsPid) {
		return members().stream()
			.filter((m) -> m.nsPid() == nsPid)
			.mapToLong(Member::hostPid)
			.findFirst();
	}

	/**
	 * Waits until no process with the given namespace pid exists, not even as a zombie
	 * (so it has exited and its parent has reaped it).
	 * @param nsPid the pid inside the namespace
	 * @param timeout how long
	 * @return null when it is gone, else what it still is
	 */
	public Member awaitGone(long nsPid, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (true) {
			Optional<Member> member = members().stream().filter((m) -> m.nsPid() == nsPid).findFirst();
			if (member.isEmpty()) {
				return null;
			}
			if (System.nanoTime() > deadline) {
				return member.get();
			}
			DemoProcess.pause(50);
		}
	}

	/**
	 * Waits until no process of the namespace is left.
	 * @param timeout how long
	 * @return what is left (empty when none)
	 */
	public List<Member> awaitEmpty(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		List<Member> left = members();
		while (!left.isEmpty() && System.nanoTime() < deadline) {
			DemoProcess.pause(50);
			left = members();
		}
		return left;
	}

	/**
	 * Kills the whole namespace: SIGKILL to its PID 1 by host pid (if it is still that
	 * process), then waits for every process of it to be gone. A PID 1 orphaned to the
	 * test JVM (its {@code unshare} died first) is reaped here.
	 * @param timeout how long to wait
	 * @return what is left (empty when none)
	 */
	public List<Member> kill(Duration timeout) {
		if (initAlive()) {
			try {
				Processes.signal(this.initHostPid, Processes.SIGKILL);
			}
			catch (IllegalStateException ex) {
				// it died in between
			}
		}
		if (isInit() && parentOf(this.initHostPid) == ProcessHandle.current().pid()) {
			Processes.awaitExit(this.initHostPid, timeout);
		}
		return awaitEmpty(timeout);
	}

	private boolean isInit() {
		return startTime(this.initHostPid).map(this.initStartTime::equals).orElse(false);
	}

	static Optional<String> namespaceOf(long pid) {
		try {
			return Optional.of(Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", "pid")).toString());
		}
		catch (IOException | UnsupportedOperationException ex) {
			return Optional.empty(); // gone, or not ours to read
		}
	}

	static List<Long> children(long pid) {
		List<Long> children = new ArrayList<>();
		try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
			for (Path task : tasks.toList()) {
				try {
					for (String child : Files.readString(task.resolve("children")).trim().split("\\s+")) {
						if (!child.isEmpty()) {
							children.add(Long.parseLong(child));
						}
					}
				}
				catch (IOException ex) {
					// that thread ended
				}
			}
		}
		catch (IOException ex) {
			// the process ended
		}
		return children;
	}

	private static Optional<String> stat(long pid) {
		try {
			String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
			return Optional.of(stat.substring(stat.lastIndexOf(')') + 2));
		}
		catch (IOException ex) {
			return Optional.empty();
		}
	}

	// Field 22 of /proc/<pid>/stat (clock ticks since boot): with the pid, it names one
	// process for good.
	private static Optional<String> startTime(long pid) {
		return stat(pid).map((fields) -> fields.split(" ")[19]);
	}

	private static Optional<Character> state(long pid) {
		return stat(pid).map((fields) -> fields.charAt(0));
	}

	private static long parentOf(long pid) {
		return stat(pid).map((fields) -> Long.parseLong(fields.split(" ")[1])).orElse(-1L);
	}

	private static Optional<Member> member(long hostPid) {
		try {
			String name = "";
			char state = '?';
			long ppid = -1;
			long nsPid = -1;
			for (String line : Files.readAllLines(Path.of("/proc", Long.toString(hostPid), "status"))) {
				if (line.startsWith("Name:")) {
					name = line.substring(5).trim();
				}
				else if (line.startsWith("State:")) {
					state = line.substring(6).trim().charAt(0);
				}
				else if (line.startsWith("PPid:")) {
					ppid = Long.parseLong(line.substring(5).trim());
				}
				else if (line.startsWith("NSpid:")) {
					String[] pids = line.substring(6).trim().split("\\s+");
					nsPid = Long.parseLong(pids[pids.length - 1]);
				}
			}
			return Optional.of(new Member(hostPid, nsPid, ppid, state, name));
		}
		catch (IOException ex) {
			return Optional.empty(); // reaped while we looked
		}
	}

	/**
	 * One process of the namespace.
	 *
	 * @param hostPid its pid on the host
	 * @param nsPid its pid inside the namespace (1 for PID 1)
	 * @param ppid its parent's host pid (for PID 1, that of {@code unshare})
	 * @param state its state letter ({@code Z} for a zombie)
	 * @param name its command name
	 */
	public record Member(long hostPid, long nsPid, long ppid, char state, String name) {

		public boolean zombie() {
			return this.state == 'Z';
		}

		/**
		 * Whether this process runs the java executable.
		 * @return whether it is a JVM
		 */
		public boolean jvm() {
			try {
				return Files.readSymbolicLink(Path.of("/proc", Long.toString(this.hostPid), "exe"))
					.getFileName()
					.toString()
					.equals("java");
			}
			catch (IOException ex) {
				return false; // zombie or gone
			}
		}

		@Override
		public String toString() {
			return this.name + "(host " + this.hostPid + ", ns " + this.nsPid + ", ppid " + this.ppid + ", " + this.state
					+ ")";
		}

	}

}
