package dev.grace.demo.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import dev.grace.demo.support.PidNamespace.Member;
import dev.grace.demo.support.RawHttp.Response;

/**
 * The demo jar run the way a container runs it, with host network so that the tests
 * reach it on 127.0.0.1:
 * <ul>
 * <li>{@link #asPid1}: the JVM is PID 1 of a fresh PID namespace,
 * {@code unshare --pid --fork --mount-proc --kill-child -- java … -jar demo.jar …};</li>
 * <li>{@link #behindTini}: the same with tini as PID 1,
 * {@code unshare … -- tini -- java …};</li>
 * <li>{@link #withoutShell}: no new PID namespace, but a private mount namespace in
 * which {@code /bin/sh} cannot be executed.</li>
 * </ul>
 * {@code --mount-proc} gives the namespace its own {@code /proc} in a private mount
 * namespace, and {@code --kill-child} kills the namespace's PID 1 if {@code unshare}
 * dies; nothing is mounted on the host. {@code unshare --fork} exits with its child's
 * exit code (util-linux 2.38 measured: 7 for 7, 0 for 0), and dies by the child's
 * signal when the child died of one (139 for SIGSEGV, as Java reports it); a child
 * killed by SIGKILL makes it exit 1 instead ("sigprocmask unblock failed").
 * <p>
 * Everything needs root (new namespaces, mounts) and util-linux; the tests assume
 * {@link #unavailableReason()} (and {@link #tiniUnavailableReason()},
 * {@link #noShellUnavailableReason()}) is null.
 */
public final class ContainerDemo implements AutoCloseable {

	/** From SIGTERM to PID 1 to the namespace gone. */
	public static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

	/** What {@link #withoutShell} logs once {@code /bin/sh} is shown not to run. */
	public static final String NO_SHELL_LINE = "grace-test: /bin/sh cannot be executed in this mount namespace";

	private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(20);

	private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(5);

	private static final List<String> UNSHARE_PID = List.of("--pid", "--fork", "--mount-proc", "--kill-child");

	// Makes /bin/sh (and /usr/bin/sh) unusable: bind /dev/null over the file each names
	// (mount follows the symlink: on Debian both end at /usr/bin/dash), then proves that
	// no sh can be executed, then execs the java command line given as arguments.
	private static final String NO_SHELL_SCRIPT = """
			set -e
			for shell in /bin/sh /usr/bin/sh; do
			  target=$(readlink -f "$shell")
			  if [ -e "$target" ] && [ ! -c "$target" ]; then mount --bind /dev/null "$target"; fi
			done
			for shell in /bin/sh /usr/bin/sh sh; do
			  if "$shell" -c : 2>/dev/null; then echo "grace-test: $shell still runs" >&2; exit 97; fi
			done
			echo '%s'
			exec "$@"
			""".formatted(NO_SHELL_LINE);

	private static String unavailable;

	private static String tiniUnavailable;

	private static Path tini;

	private final DemoProcess demo;

	private final PidNamespace namespace;

	private ContainerDemo(DemoProcess demo, PidNamespace namespace) {
		this.demo = demo;
		this.namespace = namespace;
	}

	/**
	 * Why these tests cannot run here, or null if they can: root, Linux, and
	 * {@code unshare --pid --fork --mount-proc --kill-child} works.
	 * @return the reason, or null
	 */
	public static synchronized String unavailableReason() {
		if (unavailable == null) {
			unavailable = probe();
		}
		return unavailable.isEmpty() ? null : unavailable;
	}

	private static String probe() {
		if (!System.getProperty("os.name").toLowerCase().contains("linux")) {
			return "PID namespaces need Linux, this is " + System.getProperty("os.name");
		}
		if (!isRoot()) {
			return "running the demo as PID 1 of a new PID namespace needs root (unshare --pid --mount-proc), "
					+ "and this test runs as uid " + uid();
		}
		Optional<Path> unshare = executable("unshare");
		if (unshare.isEmpty()) {
			return "unshare (util-linux) is not installed";
		}
		List<String> probe = new ArrayList<>(List.of(unshare.get().toString()));
		probe.addAll(UNSHARE_PID);
		probe.addAll(List.of("--", executable("true").map(Path::toString).orElse("/bin/true")));
		Result result = run(probe, TOOL_TIMEOUT, Map.of());
		if (result.code() != 0) {
			return "unshare cannot make a PID namespace here: " + String.join(" ", probe) + " exited " + result.code()
					+ ": " + result.output();
		}
		return "";
	}

	/**
	 * Why tini cannot be used here, or null if it can. When tini is missing, installs
	 * Debian's {@code tini} package with {@code apt-get install -y tini} (once, as root,
	 * running {@code apt-get update} first if the plain install fails).
	 * @return the reason, or null
	 */
	public static synchronized String tiniUnavailableReason() {
		String reason = unavailableReason();
		if (reason != null) {
			return reason;
		}
		if (tiniUnavailable == null) {
			tiniUnavailable = findOrInstallTini();
		}
		return tiniUnavailable.isEmpty() ? null : tiniUnavailable;
	}

	private static String findOrInstallTini() {
		Optional<Path> found = executable("tini");
		if (found.isPresent()) {
			tini = found.get();
			return "";
		}
		Optional<Path> aptGet = executable("apt-get");
		if (aptGet.isEmpty()) {
			return "tini is not installed and there is no apt-get to install it with";
		}
		Map<String, String> env = Map.of("DEBIAN_FRONTEND", "noninteractive");
		List<String> install = List.of(aptGet.get().toString(), "install", "-y", "-qq", "tini");
		Result result = run(install, INSTALL_TIMEOUT, env);
		if (result.code() != 0) {
			Result update = run(List.of(aptGet.get().toString(), "update", "-qq"), INSTALL_TIMEOUT, env);
			result = (update.code() == 0) ? run(install, INSTALL_TIMEOUT, env) : update;
		}
		found = executable("tini");
		if (found.isEmpty()) {
			return "tini is not installed and apt-get install -y tini failed (exit " + result.code() + "): "
					+ result.output();
		}
		System.out.println("ContainerDemo: installed tini with apt-get: " + found.get());
		tini = found.get();
		return "";
	}

	/**
	 * Why {@link #withoutShell} cannot run here, or null if it can.
	 * @return the reason, or null
	 */
	public static String noShellUnavailableReason() {
		String reason = unavailableReason();
		if (reason != null) {
			return reason;
		}
		for (String tool : List.of("bash", "mount", "readlink", "nsenter")) {
			if (executable(tool).isEmpty()) {
				return tool + " is not installed";
			}
		}
		if (!Files.exists(Path.of("/bin/sh"))) {
			return "there is no /bin/sh to take away";
		}
		return null;
	}

	/**
	 * Starts the demo jar as PID 1 of a new PID namespace.
	 * @param env extra environment
	 * @param args extra application arguments
	 * @return the running demo (not yet ready)
	 */
	public static ContainerDemo asPid1(Map<String, String> env, String... args) {
		return inNamespace(List.of(), env, args);
	}

	/**
	 * Starts the demo jar as the child of tini, PID 1 of a new PID namespace.
	 * @param env extra environment (the tests add {@code GRACE_SUPERVISOR=on})
	 * @param args extra application arguments
	 * @return the running demo (not yet ready)
	 */
	public static ContainerDemo behindTini(Map<String, String> env, String... args) {
		String reason = tiniUnavailableReason();
		if (reason != null) {
			throw new IllegalStateException(reason);
		}
		return inNamespace(List.of(tini.toString(), "--"), env, args);
	}

	private static ContainerDemo inNamespace(List<String> init, Map<String, String> env, String... args) {
		String reason = unavailableReason();
		if (reason != null) {
			throw new IllegalStateException(reason);
		}
		List<String> wrapper = new ArrayList<>();
		wrapper.add(executable("unshare").orElseThrow().toString());
		wrapper.addAll(UNSHARE_PID);
		wrapper.add("--");
		wrapper.addAll(init);
		DemoProcess demo = DemoProcess.startWrapped(wrapper, env, args);
		try {
			return new ContainerDemo(demo, PidNamespace.of(demo.firstPid(), Duration.ofSeconds(10)));
		}
		catch (RuntimeException ex) {
			demo.close();
			throw ex;
		}
	}

	/**
	 * Starts the demo jar (not as PID 1) in a private mount namespace where
	 * {@code /bin/sh} and {@code /usr/bin/sh} are {@code /dev/null}: executing them fails
	 * with EACCES, for the JVM and every process it starts. The script logs
	 * {@link #NO_SHELL_LINE} once it has checked that, then execs java, so
	 * {@link DemoProcess#firstPid()} is the JVM's pid.
	 * @param env extra environment
	 * @param args extra application arguments
	 * @return the running demo (not yet ready)
	 */
	public static DemoProcess withoutShell(Map<String, String> env, String... args) {
		String reason = noShellUnavailableReason();
		if (reason != null) {
			throw new IllegalStateException(reason);
		}
		return DemoProcess.startWrapped(List.of(executable("unshare").orElseThrow().toString(), "--mount",
				"--propagation", "private", "--", executable("bash").orElseThrow().toString(), "-c", NO_SHELL_SCRIPT,
				"grace-no-shell"), env, args);
	}

	/**
	 * Runs {@code /bin/sh -c :} in the mount namespace of a process, from outside
	 * ({@code nsenter --mount}).
	 * @param pid the process
	 * @return the exit code: 0 if sh runs there, 126 if it cannot be executed
	 */
	public static int shellExitCodeIn(long pid) {
		return run(List.of(executable("nsenter").orElseThrow().toString(), "--mount", "--target", Long.toString(pid),
				"--", "/bin/sh", "-c", ":"), TOOL_TIMEOUT, Map.of())
			.code();
	}

	/**
	 * Waits until the demo serves {@code GET /} from the given generation and its
	 * management port answers, failing at once if {@code over} says why it never will,
	 * or if the status says the last restart failed.
	 * @param demo the demo
	 * @param generation the generation
	 * @param timeout how long
	 * @param over why it is over (for example: PID 1 exited), null while it is not
	 * @return the response
	 */
	public static Response awaitGeneration(DemoProcess demo, int generation, Duration timeout, Supplier<String> over) {
		long deadline = System.nanoTime() + timeout.toNanos();
		long nextStatus = 0;
		Object last = null;
		while (System.nanoTime() < deadline) {
			try {
				Response response = RawHttp.get(demo.port(), "/");
				if (response.status() == 200 && response.jsonLong("generation") == generation
						&& RawHttp.get(demo.managementPort(), "/actuator/health").status() == 200) {
					return response;
				}
				last = "answered " + response.text();
			}
			catch (IOException ex) {
				last = ex; // not listening yet
			}
			String why = (over != null) ? over.get() : null;
			if (why != null) {
				throw new IllegalStateException("Generation " + generation + " will not serve: " + why + " (last: "
						+ last + ")\n" + tail(demo.log()));
			}
			if (System.nanoTime() > nextStatus) {
				nextStatus = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
				GraceStatus status = null;
				try {
					status = GraceStatus.of(demo.managementPort());
				}
				catch (RuntimeException ex) {
					// no status now (not listening yet, or between processes)
				}
				if (status != null && "FAILED".equals(status.outcome())) {
					throw new IllegalStateException("Generation " + generation + " will not serve: the restart failed: "
							+ status.reason() + "\n" + status.json() + "\n" + tail(demo.log()));
				}
			}
			DemoProcess.pause(100);
		}
		throw new IllegalStateException("Generation " + generation + " did not serve within " + timeout + " (last: "
				+ last + ")\n" + tail(demo.log()));
	}

	/**
	 * Waits until the given generation serves; fails at once if PID 1 exits or a restart
	 * fails.
	 * @param generation the generation
	 * @param timeout how long
	 * @return the response; its {@code pid} is the pid inside the namespace
	 */
	public Response awaitGeneration(int generation, Duration timeout) {
		return awaitGeneration(this.demo, generation, timeout, () -> {
			if (this.namespace.initAlive()) {
				return null;
			}
			OptionalInt code = awaitExit(Duration.ofSeconds(5));
			return "PID 1 (host pid " + this.namespace.initHostPid() + ") ended, and with it the namespace; unshare "
					+ (code.isPresent() ? "exited " + code.getAsInt() : "still runs") + "; left in the namespace: "
					+ this.namespace.members();
		});
	}

	public DemoProcess demo() {
		return this.demo;
	}

	public PidNamespace namespace() {
		return this.namespace;
	}

	public int port() {
		return this.demo.port();
	}

	public int managementPort() {
		return this.demo.managementPort();
	}

	public String log() {
		return this.demo.log();
	}

	/**
	 * The JVMs of this demo in the namespace (found by the marker argument, running the
	 * java executable), with their host pids.
	 * @return the JVMs
	 */
	public List<Member> jvms() {
		Set<Long> ours = new HashSet<>(this.demo.livePids());
		return this.namespace.members()
			.stream()
			.filter((m) -> !m.zombie() && ours.contains(m.hostPid()) && m.jvm())
			.toList();
	}

	/**
	 * Waits for {@code unshare} to exit, which it does with the exit status of the
	 * namespace's PID 1.
	 * @param timeout how long
	 * @return the exit code (128 + n after death by signal n), empty if still running
	 */
	public OptionalInt awaitExit(Duration timeout) {
		return this.demo.awaitExit(this.demo.firstPid(), timeout);
	}

	/**
	 * Kills the whole namespace by its PID 1's host pid, then whatever of the demo is
	 * left.
	 */
	@Override
	public void close() {
		try {
			List<Member> left = this.namespace.kill(Duration.ofSeconds(10));
			if (!left.isEmpty()) {
				System.err.println("ContainerDemo: still in the namespace after SIGKILL to its PID 1: " + left);
			}
		}
		finally {
			this.demo.close();
		}
	}

	/**
	 * The end of a log, enough to see why something failed.
	 * @param log the log
	 * @return its last 150 lines
	 */
	public static String tail(String log) {
		return tail(log, 150);
	}

	/**
	 * The end of a log.
	 * @param log the log
	 * @param lines how many lines
	 * @return its last {@code lines} lines
	 */
	public static String tail(String log, int lines) {
		List<String> all = Arrays.asList(log.split("\n"));
		return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
	}

	static boolean isRoot() {
		return uid() == 0;
	}

	private static long uid() {
		try {
			for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
				if (line.startsWith("Uid:")) {
					return Long.parseLong(line.substring(4).trim().split("\\s+")[1]); // effective uid
				}
			}
		}
		catch (IOException ex) {
			// not Linux
		}
		return -1;
	}

	static Optional<Path> executable(String name) {
		Set<String> dirs = new java.util.LinkedHashSet<>();
		String path = System.getenv("PATH");
		if (path != null) {
			dirs.addAll(Arrays.asList(path.split(":")));
		}
		dirs.addAll(List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"));
		return dirs.stream()
			.filter((dir) -> !dir.isEmpty())
			.map((dir) -> Path.of(dir, name))
			.filter((file) -> Files.isRegularFile(file) && Files.isExecutable(file))
			.findFirst();
	}

	private static Result run(List<String> command, Duration timeout, Map<String, String> env) {
		Path output = null;
		Process process = null;
		try {
			output = Files.createTempFile("grace-container-tool-", ".log");
			ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(output.toFile())
				.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
			builder.environment().putAll(env);
			process = builder.start();
			if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
				return new Result(-1, String.join(" ", command) + " did not finish within " + timeout);
			}
			return new Result(process.exitValue(), tail(Files.readString(output)).strip());
		}
		catch (IOException ex) {
			return new Result(-1, ex.toString());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return new Result(-1, ex.toString());
		}
		finally {
			if (process != null && process.isAlive()) {
				process.destroyForcibly();
				try {
					process.waitFor(10, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
			if (output != null) {
				try {
					Files.deleteIfExists(output);
				}
				catch (IOException ex) {
					// a temp file
				}
			}
		}
	}

	private record Result(int code, String output) {
	}

}
