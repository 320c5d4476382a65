package dev.grace.demo.support;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;

/**
 * The host's own systemd, booted as PID 1 of fresh mount, PID, cgroup, UTS and IPC
 * namespaces (the host network is kept, so services answer on 127.0.0.1), for tests of
 * how a real service manager treats the application. Its root is an overlay of the
 * host's {@code /} whose writes go to a tmpfs; {@code /proc/sys} and {@code /sys} are
 * read-only; nothing it mounts is visible on the host, and everything goes away with
 * its namespaces on {@link #close()}.
 * <p>
 * Paths given to {@link #boot(Path...)} (the JDK, the jar) and {@link #shared()} are
 * bind-mounted at the same path inside, so a unit names them as the test does and the
 * test reads what a service writes to {@link #shared()} directly. systemd logs to a FIFO
 * bound over {@code /dev/kmsg}, which this class copies to {@link #systemdLog()}; there
 * is no journal. Units need {@code DefaultDependencies=no}: nothing of sysinit runs.
 * Pids that systemd reports are in its PID namespace; {@link #hostPid(long)} maps them
 * to the host's.
 */
public final class SystemdSandbox implements AutoCloseable {

	public static final Path SYSTEMD = Path.of("/usr/lib/systemd/systemd");

	public static final Duration BOOT_TIMEOUT = Duration.ofSeconds(30);

	/** Longer than a start job's default timeout (90 s), so that it fails first. */
	public static final Duration SYSTEMCTL_TIMEOUT = Duration.ofSeconds(120);

	private static final Duration POWER_OFF_TIMEOUT = Duration.ofSeconds(30);

	private static final String TARGET = "grace-sandbox.target";

	// systemd(1): SIGRTMIN+4 powers off (glibc's SIGRTMIN is 34).
	private static final int SIGRTMIN_PLUS_4 = 38;

	private static final int SIGKILL = 9;

	private static final int CAP_SYS_ADMIN = 21;

	private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

	private final Path dir;

	private final Path cgroup;

	private final Process unshare;

	private final LogCopier log;

	private final AtomicBoolean closed = new AtomicBoolean();

	private final Thread shutdownHook = new Thread(this::close, "systemd-sandbox-power-off");

	private long systemdPid = -1;

	private final long bootMillis;

	private SystemdSandbox(Path dir, Path cgroup, Process unshare, LogCopier log, long startNanos) {
		this.dir = dir;
		this.cgroup = cgroup;
		this.unshare = unshare;
		this.log = log;
		Runtime.getRuntime().addShutdownHook(this.shutdownHook);
		try {
			this.systemdPid = awaitSystemd(startNanos + BOOT_TIMEOUT.toNanos());
			awaitRunning(startNanos + BOOT_TIMEOUT.toNanos());
		}
		catch (RuntimeException | Error ex) {
			String boot = bootReport();
			close();
			throw new IllegalStateException("systemd sandbox did not boot: " + ex.getMessage() + "\n" + boot, ex);
		}
		this.bootMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
	}

	/**
	 * Why a sandbox cannot boot on this machine.
	 * @return a sentence, or null when it can
	 */
	public static String unavailableReason() {
		if (!System.getProperty("os.name", "").startsWith("Linux")) {
			return "systemd sandbox needs Linux, this is " + System.getProperty("os.name");
		}
		String status = read(Path.of("/proc/self/status")).orElse("");
		if (!field(status, "Uid:").map((uid) -> uid.split("\\s+")[1].equals("0")).orElse(false)) {
			return "systemd sandbox needs root (mount, unshare, cgroups)";
		}
		boolean sysAdmin = field(status, "CapEff:")
			.map((caps) -> (Long.parseUnsignedLong(caps.trim(), 16) & (1L << CAP_SYS_ADMIN)) != 0)
			.orElse(false);
		if (!sysAdmin) {
			return "systemd sandbox needs CAP_SYS_ADMIN, which this root lacks (an unprivileged container?)";
		}
		if (cgroup2Mount().isEmpty()) {
			return "systemd sandbox needs a writable cgroup2 mount, /proc/self/mountinfo shows none";
		}
		if (!Files.isExecutable(SYSTEMD)) {
			return "systemd sandbox needs " + SYSTEMD + ", which is missing";
		}
		for (String tool : List.of("unshare", "nsenter", "mount", "pivot_root", "umount")) {
			if (executable(tool).isEmpty()) {
				return "systemd sandbox needs " + tool + " (util-linux) on the PATH";
			}
		}
		return null;
	}

	/**
	 * Boots systemd in new namespaces and waits until it runs.
	 * @param visible host paths (files or directories) a service needs, such as the JDK
	 * and the application jar; bound read-only at the same path inside
	 * @return the running sandbox
	 */
	public static SystemdSandbox boot(Path... visible) {
		String reason = unavailableReason();
		if (reason != null) {
			throw new IllegalStateException(reason);
		}
		long start = System.nanoTime();
		String name = "grace-sandbox-" + UUID.randomUUID().toString().substring(0, 8);
		Path dir;
		Path cgroup;
		try {
			dir = Files.createTempDirectory("grace-systemd-");
			Files.createDirectories(dir.resolve("mnt"));
			Files.createDirectories(dir.resolve("shared"));
			Path fifo = dir.resolve("kmsg.fifo");
			if (Native.POSIX.mkfifo(fifo.toString(), 0600) != 0) {
				throw new IOException("mkfifo " + fifo + " failed: errno " + Native.POSIX.errno());
			}
			Path script = dir.resolve("boot.sh");
			Files.writeString(script, bootScript(dir, fifo, visible));
			LogCopier log = new LogCopier(fifo, dir.resolve("systemd.log"));
			Process unshare;
			try {
				cgroup = Files.createDirectory(ownCgroup().resolve(name));
				// A shell moves itself into the new cgroup, which becomes the root of the
				// new cgroup namespace.
				List<String> command = new ArrayList<>(List.of("/bin/sh", "-c",
						"echo $$ > \"$0\" && exec \"$@\"", cgroup.resolve("cgroup.procs").toString()));
				executable("setpriv")
					.ifPresent((setpriv) -> command.addAll(List.of(setpriv.toString(), "--pdeathsig", "KILL")));
				command.addAll(List.of(executable("unshare").orElseThrow().toString(), "--mount", "--pid", "--fork",
						"--cgroup", "--uts", "--ipc", "--propagation", "private", "--kill-child", "/bin/sh",
						script.toString()));
				unshare = startOnOwnThread(name, new ProcessBuilder(command)
					.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
					.redirectErrorStream(true)
					.redirectOutput(dir.resolve("boot.log").toFile()));
			}
			catch (IOException ex) {
				log.close();
				removeCgroup(ownCgroup().resolve(name));
				throw ex;
			}
			return new SystemdSandbox(dir, cgroup, unshare, log, start);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	// The parent-death signal (setpriv --pdeathsig) fires when the thread that started the
	// process ends, so a thread that lives exactly as long as the process starts it: if
	// the test JVM dies without closing the sandbox, unshare is killed, and with it
	// (--kill-child) systemd and every process of its PID namespace.
	private static Process startOnOwnThread(String name, ProcessBuilder builder) throws IOException {
		CompletableFuture<Process> started = new CompletableFuture<>();
		Thread thread = new Thread(() -> {
			Process process;
			try {
				process = builder.start();
			}
			catch (IOException | RuntimeException ex) {
				started.completeExceptionally(ex);
				return;
			}
			started.complete(process);
			while (process.isAlive()) {
				try {
					process.waitFor();
				}
				catch (InterruptedException ex) {
					// keep the parent thread until the process is gone
				}
			}
		}, name);
		thread.setDaemon(true);
		thread.start();
		try {
			return started.join();
		}
		catch (CompletionException ex) {
			if (ex.getCause() instanceof IOException io) {
				throw io;
			}
			throw ex;
		}
	}

	// Runs as PID 1 of the new namespaces, before it execs systemd. Every mount here is
	// in the new, private mount namespace.
	private static String bootScript(Path dir, Path fifo, Path... visible) throws IOException {
		StringBuilder script = new StringBuilder();
		script.append("set -eu\n");
		script.append("mnt=").append(quote(dir.resolve("mnt"))).append("\n");
		script.append("""
				mount -t tmpfs -o mode=0755 grace-sandbox "$mnt"
				mkdir "$mnt/upper" "$mnt/work" "$mnt/root"
				mount -t overlay overlay -o lowerdir=/,upperdir="$mnt/upper",workdir="$mnt/work" "$mnt/root"
				root="$mnt/root"
				mount -t proc proc "$root/proc"
				mount --bind "$root/proc/sys" "$root/proc/sys"
				mount -o remount,bind,ro "$root/proc/sys"
				mount -t sysfs -o ro sysfs "$root/sys"
				mount -t cgroup2 cgroup2 "$root/sys/fs/cgroup"
				mount -t tmpfs -o mode=0755 tmpfs "$root/run"
				mount -t tmpfs -o mode=0755 tmpfs "$root/dev"
				for d in null zero full random urandom tty; do
				  touch "$root/dev/$d"
				  mount --bind "/dev/$d" "$root/dev/$d"
				done
				touch "$root/dev/console" "$root/dev/kmsg"
				mount --bind /dev/null "$root/dev/console"
				mkdir "$root/dev/pts" "$root/dev/shm"
				mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$root/dev/pts"
				ln -s pts/ptmx "$root/dev/ptmx"
				mount -t tmpfs -o mode=1777 tmpfs "$root/dev/shm"
				""");
		script.append("mount --bind ").append(quote(fifo)).append(" \"$root/dev/kmsg\"\n");
		Path shared = dir.resolve("shared");
		script.append("mkdir -p \"$root\"").append(quote(shared)).append("\n");
		script.append("mount --bind ").append(quote(shared)).append(" \"$root\"").append(quote(shared)).append("\n");
		for (Path path : visible) {
			Path real = path.toRealPath();
			String target = "\"$root\"" + quote(real);
			if (Files.isDirectory(real)) {
				script.append("mkdir -p ").append(target).append("\n");
			}
			else {
				script.append("mkdir -p ").append("\"$root\"").append(quote(real.getParent())).append("\n");
				script.append("[ -e ").append(target).append(" ] || touch ").append(target).append("\n");
			}
			script.append("mount --bind ").append(quote(real)).append(" ").append(target).append("\n");
			script.append("mount -o remount,bind,ro ").append(target).append("\n");
		}
		script.append("mkdir -p \"$root/etc/systemd/system\"\n");
		script.append("printf '[Unit]\\nDescription=grace sandbox\\nDefaultDependencies=no\\n' > ")
			.append("\"$root/etc/systemd/system/" + TARGET + "\"\n");
		script.append("""
				cd "$root"
				mkdir -p oldroot
				pivot_root . oldroot
				cd /
				umount -l /oldroot
				rmdir /oldroot
				exec env -i container=grace-sandbox PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
				""");
		script.append("  ").append(SYSTEMD).append(" --log-target=kmsg --log-level=info --unit=" + TARGET + "\n");
		return script.toString();
	}

	private long awaitSystemd(long deadline) {
		while (System.nanoTime() < deadline) {
			Optional<ProcessHandle> child = this.unshare.toHandle().children().findFirst();
			if (child.isPresent()) {
				return child.get().pid();
			}
			if (!this.unshare.isAlive()) {
				throw new IllegalStateException("unshare exited with " + this.unshare.exitValue());
			}
			DemoProcess.pause(20);
		}
		throw new IllegalStateException("unshare started no child within " + BOOT_TIMEOUT);
	}

	private void awaitRunning(long deadline) {
		String state = "";
		while (System.nanoTime() < deadline) {
			if (!this.unshare.isAlive()) {
				throw new IllegalStateException("PID 1 exited, unshare with " + this.unshare.exitValue());
			}
			state = systemctl(Duration.ofSeconds(10), "is-system-running").output().trim();
			if (state.equals("running") || state.equals("degraded")) {
				return;
			}
			DemoProcess.pause(50);
		}
		throw new IllegalStateException("systemd is not running after " + BOOT_TIMEOUT + " (is-system-running: "
				+ state + ")");
	}

	/**
	 * Installs a unit (or replaces it) in {@code /etc/systemd/system} and reloads systemd.
	 * @param name the unit's file name, such as {@code app.service}
	 * @param text its content
	 */
	public void install(String name, String text) {
		Path units = root().resolve("etc/systemd/system");
		try {
			Files.writeString(units.resolve(name), text);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		Result reload = systemctl("daemon-reload");
		if (reload.exitCode() != 0) {
			throw new IllegalStateException("systemctl daemon-reload failed: " + reload);
		}
	}

	/**
	 * Runs {@code systemctl} inside, bounded by {@link #SYSTEMCTL_TIMEOUT}.
	 * @param args its arguments
	 * @return its exit code and output (stdout and stderr)
	 */
	public Result systemctl(String... args) {
		return systemctl(SYSTEMCTL_TIMEOUT, args);
	}

	/**
	 * Runs {@code systemctl} inside.
	 * @param timeout how long it may take; it is killed and this throws after that
	 * @param args its arguments
	 * @return its exit code and output (stdout and stderr)
	 */
	public Result systemctl(Duration timeout, String... args) {
		List<String> command = new ArrayList<>(List.of("systemctl", "--no-pager"));
		command.addAll(Arrays.asList(args));
		return run(timeout, command.toArray(String[]::new));
	}

	/**
	 * Runs a command inside: in every namespace of systemd, with the test's environment
	 * and cgroup.
	 * @param timeout how long it may take; it is killed and this throws after that
	 * @param command the command and its arguments
	 * @return its exit code and output (stdout and stderr)
	 */
	public Result run(Duration timeout, String... command) {
		List<String> nsenter = new ArrayList<>(List.of(executable("nsenter").orElseThrow().toString(), "-t",
				Long.toString(this.systemdPid), "-a"));
		nsenter.addAll(Arrays.asList(command));
		Process process = null;
		Path output = null;
		try {
			output = Files.createTempFile(this.dir, "run-", ".out");
			ProcessBuilder builder = new ProcessBuilder(nsenter)
				.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
				.redirectErrorStream(true)
				.redirectOutput(output.toFile());
			builder.environment().put("SYSTEMD_COLORS", "0");
			builder.environment().put("SYSTEMD_PAGER", "");
			process = builder.start();
			if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
				kill(process);
				throw new IllegalStateException(String.join(" ", command) + " still running after "
						+ timeout + ", killed; output so far:\n" + Files.readString(output));
			}
			return new Result(process.exitValue(), Files.readString(output));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			kill(process);
			throw new IllegalStateException(ex);
		}
		finally {
			if (output != null) {
				output.toFile().delete();
			}
		}
	}

	// nsenter forks to enter the PID namespace, so the command is its child.
	private static void kill(Process process) {
		if (process != null) {
			process.descendants().forEach(ProcessHandle::destroyForcibly);
			process.destroyForcibly();
			try {
				process.waitFor(10, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	/**
	 * Properties of a unit, as {@code systemctl show} gives them.
	 * @param unit the unit
	 * @param properties their names, such as {@code MainPID}, {@code ActiveState}
	 * @return name to value, in the order asked
	 */
	public Map<String, String> show(String unit, String... properties) {
		List<String> args = new ArrayList<>(List.of("show", unit));
		for (String property : properties) {
			args.add("--property=" + property);
		}
		Result result = systemctl(args.toArray(String[]::new));
		if (result.exitCode() != 0) {
			throw new IllegalStateException("systemctl show " + unit + " failed: " + result);
		}
		Map<String, String> values = new LinkedHashMap<>();
		for (String line : result.output().split("\n")) {
			int equals = line.indexOf('=');
			if (equals > 0) {
				values.put(line.substring(0, equals), line.substring(equals + 1));
			}
		}
		Map<String, String> ordered = new LinkedHashMap<>();
		for (String property : properties) {
			ordered.put(property, values.get(property));
		}
		return ordered;
	}

	/**
	 * The host pid of a process of the sandbox, such as a unit's {@code MainPID}.
	 * @param sandboxPid its pid inside
	 * @return its pid on the host, empty if no such process lives
	 */
	public OptionalLong hostPid(long sandboxPid) {
		Optional<Path> namespace = readLink(Path.of("/proc", Long.toString(this.systemdPid), "ns", "pid"));
		if (sandboxPid <= 0 || namespace.isEmpty()) {
			return OptionalLong.empty();
		}
		try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
			return procs.filter((p) -> p.getFileName().toString().chars().allMatch(Character::isDigit))
				.filter((p) -> lastNsPid(p) == sandboxPid)
				.filter((p) -> readLink(p.resolve("ns/pid")).equals(namespace))
				.mapToLong((p) -> Long.parseLong(p.getFileName().toString()))
				.findFirst();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static long lastNsPid(Path proc) {
		return read(proc.resolve("status")).flatMap((status) -> field(status, "NSpid:")).map((pids) -> {
			String[] each = pids.trim().split("\\s+");
			return (each.length > 1) ? Long.parseLong(each[each.length - 1]) : -1L;
		}).orElse(-1L);
	}

	/**
	 * The host pids of every process in a unit's cgroup (none when it is gone).
	 * @param unit the unit
	 * @return host pids
	 */
	public List<Long> processesOf(String unit) {
		return processesIn(hostCgroup(unit));
	}

	/**
	 * A unit's cgroup directory on the host, where it is or would be while the unit runs.
	 * @param unit the unit
	 * @return its directory under this sandbox's cgroup
	 */
	public Path hostCgroup(String unit) {
		String path = show(unit, "ControlGroup").get("ControlGroup");
		if (path == null || path.isEmpty()) {
			path = "/system.slice/" + unit;
		}
		return this.cgroup.resolve(path.substring(1));
	}

	/**
	 * The host pids of the processes in a cgroup.
	 * @param cgroup its directory on the host
	 * @return host pids, none when it is gone
	 */
	public static List<Long> processesIn(Path cgroup) {
		try {
			return Files.readAllLines(cgroup.resolve("cgroup.procs")).stream().map(Long::parseLong).toList();
		}
		catch (NoSuchFileException ex) {
			return List.of();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * A host directory mounted at the same path inside, writable, for what services write
	 * (such as {@code StandardOutput=append:<shared>/app.log}) and the test reads.
	 * @return the directory
	 */
	public Path shared() {
		return this.dir.resolve("shared");
	}

	/**
	 * The sandbox's root as the host sees it while systemd runs.
	 * @return {@code /proc/<systemd>/root}
	 */
	public Path root() {
		return Path.of("/proc", Long.toString(this.systemdPid), "root");
	}

	/**
	 * What systemd logged so far, at level info, one line per message with the time the
	 * host read it: "Started …", "Killing process N (java) with signal SIGKILL.",
	 * "Supervising process N which is not our child…", "Failed with result 'timeout'.",
	 * "Deactivated successfully."…
	 * @return the log
	 */
	public String systemdLog() {
		return read(this.dir.resolve("systemd.log")).orElse("(no systemd log)");
	}

	/**
	 * Lines of the systemd log about one unit.
	 * @param unit the unit
	 * @return its lines
	 */
	public List<String> systemdLog(String unit) {
		return systemdLog().lines().filter((line) -> line.contains(unit)).toList();
	}

	/**
	 * What to show when a test about a unit fails: its status, the systemd log, and the
	 * tails of the given files (such as the service's output).
	 * @param unit the unit
	 * @param logs files to show the last 200 lines of
	 * @return the report
	 */
	public String report(String unit, Path... logs) {
		StringBuilder report = new StringBuilder();
		try {
			report.append("\n--- systemctl status ").append(unit).append('\n');
			report.append(systemctl(Duration.ofSeconds(20), "status", unit).output());
			report.append("--- systemctl show ").append(unit).append('\n');
			report.append(show(unit, "ActiveState", "SubState", "Result", "MainPID", "ExecMainPID", "ExecMainCode",
					"ExecMainStatus", "NRestarts", "ControlGroup"));
		}
		catch (RuntimeException ex) {
			report.append("(systemctl failed: ").append(ex.getMessage()).append(")");
		}
		report.append("\n--- systemd log\n").append(systemdLog());
		for (Path log : logs) {
			List<String> lines = read(log).map((text) -> text.lines().toList()).orElse(List.of("(none)"));
			report.append("--- last lines of ").append(log).append('\n');
			lines.subList(Math.max(0, lines.size() - 200), lines.size())
				.forEach((line) -> report.append(line).append('\n'));
		}
		return report.toString();
	}

	private String bootReport() {
		return "--- boot.log\n" + read(this.dir.resolve("boot.log")).orElse("(none)") + "--- systemd log\n"
				+ systemdLog();
	}

	/**
	 * How long {@link #boot(Path...)} took until systemd ran.
	 * @return milliseconds
	 */
	public long bootMillis() {
		return this.bootMillis;
	}

	/**
	 * Powers systemd off (it stops every unit as it would at shutdown), kills it if it
	 * has not exited in 30 s, and removes its cgroups. Its mounts go with its namespaces.
	 * Also run by a shutdown hook if the JVM exits first.
	 */
	@Override
	public void close() {
		if (!this.closed.compareAndSet(false, true)) {
			return;
		}
		try {
			Runtime.getRuntime().removeShutdownHook(this.shutdownHook);
		}
		catch (IllegalStateException ex) {
			// the JVM is exiting: this is the hook
		}
		try {
			if (this.systemdPid > 0 && this.unshare.isAlive()) {
				Native.POSIX.kill((int) this.systemdPid, SIGRTMIN_PLUS_4);
			}
			long wait = (this.systemdPid > 0) ? POWER_OFF_TIMEOUT.toMillis() : 0;
			if (!this.unshare.waitFor(wait, TimeUnit.MILLISECONDS)) {
				// PID 1 killed: the kernel kills every process of its namespace.
				if (this.systemdPid > 0) {
					Native.POSIX.kill((int) this.systemdPid, SIGKILL);
				}
				this.unshare.destroyForcibly();
				this.unshare.waitFor(10, TimeUnit.SECONDS);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			this.unshare.destroyForcibly();
		}
		finally {
			this.log.close();
			removeCgroup(this.cgroup);
			deleteQuietly(this.dir.resolve("mnt"));
			deleteQuietly(this.dir.resolve("kmsg.fifo"));
		}
	}

	// Depth first; a cgroup whose last process is still exiting is busy for a moment.
	private static void removeCgroup(Path cgroup) {
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (Files.exists(cgroup)) {
			try (Stream<Path> tree = Files.walk(cgroup)) {
				tree.filter(Files::isDirectory)
					.sorted(Comparator.reverseOrder())
					.forEach((d) -> d.toFile().delete());
			}
			catch (IOException | UncheckedIOException ex) {
				// a directory went away while we walked
			}
			if (Files.exists(cgroup)) {
				if (System.nanoTime() > deadline) {
					throw new IllegalStateException("Cannot remove cgroup " + cgroup + ", processes left: "
							+ processesIn(cgroup));
				}
				DemoProcess.pause(50);
			}
		}
	}

	private static void deleteQuietly(Path path) {
		path.toFile().delete();
	}

	private static Path ownCgroup() {
		Path mount = cgroup2Mount().orElseThrow();
		String own = read(Path.of("/proc/self/cgroup")).orElse("")
			.lines()
			.filter((line) -> line.startsWith("0::"))
			.map((line) -> line.substring(3))
			.findFirst()
			.orElse("/");
		Path path = mount.resolve(own.substring(1));
		return Files.isDirectory(path) ? path : mount;
	}

	private static Optional<Path> cgroup2Mount() {
		return read(Path.of("/proc/self/mountinfo")).orElse("")
			.lines()
			.map((line) -> line.split(" "))
			.filter((f) -> {
				int dash = Arrays.asList(f).indexOf("-");
				return dash > 0 && dash + 1 < f.length && f[dash + 1].equals("cgroup2")
						&& Arrays.asList(f[5].split(",")).contains("rw");
			})
			.map((f) -> Path.of(f[4]))
			.findFirst();
	}

	private static Optional<Path> executable(String name) {
		String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/usr/bin:/sbin:/bin";
		return Arrays.stream(path.split(":"))
			.filter((d) -> !d.isEmpty())
			.map((d) -> Path.of(d, name))
			.filter(Files::isExecutable)
			.findFirst();
	}

	private static Optional<String> field(String status, String name) {
		return status.lines()
			.filter((l) -> l.startsWith(name))
			.map((l) -> l.substring(name.length()).trim())
			.findFirst();
	}

	private static Optional<String> read(Path path) {
		try {
			return Optional.of(Files.readString(path));
		}
		catch (IOException ex) {
			return Optional.empty();
		}
	}

	private static Optional<Path> readLink(Path link) {
		try {
			return Optional.of(Files.readSymbolicLink(link));
		}
		catch (IOException ex) {
			return Optional.empty();
		}
	}

	private static String quote(Object value) {
		return "'" + value.toString().replace("'", "'\\''") + "'";
	}

	// Loaded on first use, so that unavailableReason() needs no native library.
	private static final class Native {

		static final POSIX POSIX = POSIXFactory.getNativePOSIX();

	}

	/**
	 * What a {@code systemctl} call gave.
	 *
	 * @param exitCode its exit code
	 * @param output its stdout and stderr
	 */
	public record Result(int exitCode, String output) {

		@Override
		public String toString() {
			return "exit code " + this.exitCode + ": " + this.output.strip();
		}

	}

	/**
	 * Copies what systemd writes to its {@code /dev/kmsg} FIFO into a file, a line at a
	 * time with the time it was read. The FIFO is held open for reading and writing, so
	 * that systemd's writes never block on a missing reader and this never sees EOF when
	 * systemd reopens it (as {@code systemd-shutdown} does).
	 */
	private static final class LogCopier implements AutoCloseable {

		private final RandomAccessFile fifo;

		private final Thread thread;

		private volatile boolean closing;

		LogCopier(Path fifo, Path log) throws IOException {
			this.fifo = new RandomAccessFile(fifo.toFile(), "rw");
			this.thread = new Thread(() -> copy(log), "systemd-sandbox-log");
			this.thread.setDaemon(true);
			this.thread.start();
		}

		private void copy(Path log) {
			byte[] buffer = new byte[16384];
			ByteArrayOutputStream line = new ByteArrayOutputStream();
			try (OutputStream out = Files.newOutputStream(log, StandardOpenOption.CREATE,
					StandardOpenOption.APPEND)) {
				while (!this.closing) {
					int n = this.fifo.read(buffer);
					if (n < 0) {
						return;
					}
					for (int i = 0; i < n; i++) {
						if (buffer[i] != '\n') {
							line.write(buffer[i]);
						}
						else if (line.size() > 0) {
							out.write((LocalTime.now().format(TIME) + " ").getBytes(StandardCharsets.US_ASCII));
							line.writeTo(out);
							out.write('\n');
							line.reset();
						}
					}
					out.flush();
				}
			}
			catch (IOException ex) {
				// closed
			}
		}

		@Override
		public void close() {
			this.closing = true;
			try {
				// wakes the reader up; it sees closing and stops
				this.fifo.write('\n');
				this.thread.join(5000);
				this.fifo.close();
			}
			catch (IOException ex) {
				// already closed
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}

	}

}
