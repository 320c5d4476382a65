package dev.grace.demo.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;

import dev.grace.demo.support.RawHttp.Response;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The demo jar running as a real process on two loopback ports, with every process of
 * its restart chain found and killed on {@link #close()}, however the test ended. All
 * processes of one instance carry a unique marker argument, so even one the test never
 * saw is found in {@code /proc}.
 */
public final class DemoProcess implements AutoCloseable {

	public static final Duration START_TIMEOUT = Duration.ofSeconds(60);

	/** From a restart request to the next generation serving, or the old one gone. */
	public static final Duration HANDOVER_TIMEOUT = Duration.ofSeconds(60);

	/**
	 * The JVM options of the tests' demos: C1 alone starts a JVM faster on 2 cores. The
	 * startup benchmark gives its own, the JVM's defaults.
	 */
	public static final List<String> TEST_JVM_OPTIONS = List.of("-Xmx256m", "-XX:TieredStopAtLevel=1");

	// the kernel may give the same free port twice in a row: a demo given it as both its
	// ports fails to start (a benchmark run ended so), and two demos would fight over it
	private static final Set<Integer> handedOut = ConcurrentHashMap.newKeySet();

	private final Process first;

	private final int port;

	private final int managementPort;

	private final Path log;

	private final String marker;

	private DemoProcess(Process first, int port, int managementPort, Path log, String marker) {
		this.first = first;
		this.port = port;
		this.managementPort = managementPort;
		this.log = log;
		this.marker = marker;
	}

	/**
	 * Starts the demo jar.
	 * @param env extra environment
	 * @param args extra application arguments
	 * @return the running demo (not yet ready)
	 */
	public static DemoProcess start(Map<String, String> env, String... args) {
		try {
			return start(freePort(), freePort(), env, args);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Starts the demo jar on given ports.
	 * @param port the main port
	 * @param managementPort the management port
	 * @param env extra environment
	 * @param args extra application arguments
	 * @return the running demo (not yet ready)
	 */
	public static DemoProcess start(int port, int managementPort, Map<String, String> env, String... args) {
		return start(jar(), port, managementPort, env, null, args);
	}

	/**
	 * Starts a jar, through a shell when the test needs one to set up descriptors.
	 * @param jar the jar to run, by the path given
	 * @param port the main port
	 * @param managementPort the management port
	 * @param env extra environment
	 * @param shellSetup shell commands run before exec'ing java, with {@code LISTEN_PID}
	 * set to the pid java will have; null to start java directly
	 * @param args extra application arguments
	 * @return the running demo (not yet ready)
	 */
	public static DemoProcess start(Path jar, int port, int managementPort, Map<String, String> env,
			String shellSetup, String... args) {
		List<String> wrapper = (shellSetup != null)
				? List.of("/bin/sh", "-c", "export LISTEN_PID=$$; " + shellSetup + "; exec \"$@\"", "demo") : List.of();
		return start(wrapper, jar, port, managementPort, env, args);
	}

	/**
	 * Starts the demo jar behind a wrapper command, such as {@code unshare … --}: the
	 * java command line (with the marker) is appended to {@code wrapper}, which must run
	 * it. Every process whose command line holds those arguments (the wrapper's too)
	 * counts as this demo's.
	 * @param wrapper the command before java
	 * @param env extra environment
	 * @param args extra application arguments
	 * @return the running demo (not yet ready); {@link #firstPid()} is the wrapper's pid
	 */
	public static DemoProcess startWrapped(List<String> wrapper, Map<String, String> env, String... args) {
		try {
			return start(wrapper, jar(), freePort(), freePort(), env, args);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Starts the demo jar on another JDK.
	 * @param javaHome the JDK
	 * @param args extra application arguments
	 * @return the running demo (not yet ready)
	 */
	public static DemoProcess startOn(Path javaHome, String... args) {
		return startOn(javaHome, Map.of(), args);
	}

	/**
	 * Starts the demo jar on another JDK with more environment.
	 * @param javaHome the JDK
	 * @param env extra environment
	 * @param args extra application arguments
	 * @return the running demo (not yet ready)
	 */
	public static DemoProcess startOn(Path javaHome, Map<String, String> env, String... args) {
		try {
			return start(javaHome.resolve("bin/java").toString(), List.of(), jar(), freePort(), freePort(), env,
					args);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Starts a given jar on a given JDK with JVM options of its own, as the startup
	 * benchmark does for each JDK and layout (the fat jar, or the {@code app.jar} of Boot's
	 * extracted layout).
	 * @param javaHome the JDK
	 * @param jvmOptions every JVM option, in place of the ones the tests' demos get
	 * ({@link #TEST_JVM_OPTIONS})
	 * @param jar the jar to run with {@code java -jar}
	 * @param port the main port
	 * @param managementPort the management port
	 * @param env extra environment
	 * @param args extra application arguments
	 * @return the running demo (not yet ready)
	 */
	public static DemoProcess startOn(Path javaHome, List<String> jvmOptions, Path jar, int port, int managementPort,
			Map<String, String> env, String... args) {
		return start(javaHome.resolve("bin/java").toString(), List.of(), jvmOptions, List.of("-jar", jar.toString()),
				port, managementPort, env, args);
	}

	/**
	 * Starts the demo jar with more jars on its class path, the way Spring Boot lets an
	 * application take a JDBC driver it was not built with: its {@code PropertiesLauncher}
	 * with {@code -Dloader.path}.
	 * @param libraries the jars to add
	 * @param args extra application arguments
	 * @return the running demo (not yet ready)
	 */
	public static DemoProcess startWithLibraries(List<Path> libraries, String... args) {
		String path = String.join(",", libraries.stream().map(Path::toString).toList());
		try {
			return start(javaExecutable(), List.of(), List.of("-Dloader.path=" + path, "-cp", jar().toString(),
					"org.springframework.boot.loader.launch.PropertiesLauncher"), freePort(), freePort(), Map.of(),
					args);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static DemoProcess start(List<String> wrapper, Path jar, int port, int managementPort,
			Map<String, String> env, String... args) {
		return start(javaExecutable(), wrapper, jar, port, managementPort, env, args);
	}

	private static DemoProcess start(String java, List<String> wrapper, Path jar, int port, int managementPort,
			Map<String, String> env, String... args) {
		return start(java, wrapper, List.of("-jar", jar.toString()), port, managementPort, env, args);
	}

	private static DemoProcess start(String java, List<String> wrapper, List<String> launch, int port,
			int managementPort, Map<String, String> env, String... args) {
		return start(java, wrapper, TEST_JVM_OPTIONS, launch, port, managementPort, env, args);
	}

	private static DemoProcess start(String java, List<String> wrapper, List<String> jvmOptions, List<String> launch,
			int port, int managementPort, Map<String, String> env, String... args) {
		Processes.init();
		try {
			String marker = "--grace.test-run=" + UUID.randomUUID();
			Path log = Files.createTempFile("grace-demo-", ".log");
			List<String> command = new ArrayList<>(wrapper);
			command.add(java);
			command.addAll(jvmOptions);
			command.addAll(launch);
			command.addAll(List.of("--server.port=" + port, "--management.server.port=" + managementPort, marker));
			command.addAll(List.of(args));
			ProcessBuilder builder = new ProcessBuilder(command).directory(log.getParent().toFile())
				.redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
			builder.environment().putAll(env);
			return new DemoProcess(builder.start(), port, managementPort, log, marker);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	public static DemoProcess start(String... args) {
		return start(Map.of(), args);
	}

	public static Path jar() {
		String jar = System.getProperty("demo.jar");
		if (jar == null || !Files.isRegularFile(Path.of(jar))) {
			throw new IllegalStateException("System property demo.jar must name the built demo jar, was " + jar);
		}
		return Path.of(jar);
	}

	static String javaExecutable() {
		return Path.of(System.getProperty("java.home"), "bin", "java").toString();
	}

	public static int freePort() throws IOException {
		for (int attempt = 0; attempt < 100; attempt++) {
			try (ServerSocket socket = new ServerSocket()) {
				socket.bind(new InetSocketAddress("127.0.0.1", 0));
				if (handedOut.add(socket.getLocalPort())) {
					return socket.getLocalPort();
				}
			}
		}
		throw new IOException("No port that was not handed out before in 100 attempts");
	}

	/**
	 * Waits until the log contains {@code text}.
	 * @param text what to wait for
	 * @param timeout how long
	 */
	public void awaitLog(String text, Duration timeout) {
		await("log says '" + text + "'").atMost(timeout)
			.pollDelay(Duration.ZERO)
			.pollInterval(Duration.ofMillis(50))
			.untilAsserted(() -> assertThat(log()).contains(text));
	}

	/**
	 * Waits for the first process to exit, as when it must fail to start.
	 * @param timeout how long
	 * @return its exit code
	 */
	public int awaitFirstExit(Duration timeout) {
		return awaitExit(this.first.pid(), timeout)
			.orElseThrow(() -> new IllegalStateException("Still running after " + timeout + ":\n" + log()));
	}

	public int port() {
		return this.port;
	}

	public int managementPort() {
		return this.managementPort;
	}

	public long firstPid() {
		return this.first.pid();
	}

	/**
	 * Waits until the main port answers {@code GET /} from the given generation and the
	 * management port answers too.
	 * @param generation the generation
	 * @param timeout how long to wait
	 * @return the response
	 */
	public Response awaitGeneration(int generation, Duration timeout) {
		AtomicReference<Response> served = new AtomicReference<>();
		try {
			await("generation " + generation + " serving on ports " + this.port + " and " + this.managementPort)
				.atMost(timeout)
				.pollDelay(Duration.ZERO)
				.pollInterval(Duration.ofMillis(100))
				.ignoreExceptionsInstanceOf(IOException.class) // not listening yet
				.failFast("the demo exited", () -> generation == 1 && !this.first.isAlive())
				.untilAsserted(() -> {
					Response response = RawHttp.get(this.port, "/");
					assertThat(response.status()).as("GET / answered %s", response.text()).isEqualTo(200);
					assertThat(response.jsonLong("generation")).as("generation in %s", response.text())
						.isEqualTo(generation);
					assertThat(RawHttp.get(this.managementPort, "/actuator/health").status()).as("GET /actuator/health")
						.isEqualTo(200);
					served.set(response);
				});
		}
		catch (TerminalFailureException ex) {
			throw new IllegalStateException("Demo exited with " + this.first.exitValue() + ":\n" + log(), ex);
		}
		catch (ConditionTimeoutException ex) {
			throw new IllegalStateException(ex.getMessage() + "\n" + log(), ex);
		}
		return served.get();
	}

	/**
	 * Whether the main port answers {@code GET /} from the given generation, now.
	 * @param generation the generation
	 * @return false when it answers another one or does not answer
	 */
	public boolean servesGeneration(int generation) {
		try {
			Response response = RawHttp.get(this.port, "/");
			return response.status() == 200 && response.jsonLong("generation") == generation;
		}
		catch (IOException ex) {
			return false;
		}
	}

	/**
	 * Waits for a process of this demo to exit and returns its exit code.
	 * @param pid the process
	 * @param timeout how long to wait
	 * @return the exit code, or empty if it is still running
	 */
	public OptionalInt awaitExit(long pid, Duration timeout) {
		if (pid == this.first.pid()) {
			try {
				return this.first.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)
						? OptionalInt.of(this.first.exitValue()) : OptionalInt.empty();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return OptionalInt.empty();
			}
		}
		return Processes.awaitExit(pid, timeout);
	}

	/**
	 * The pids of every live process of this demo.
	 * @return the pids
	 */
	public List<Long> livePids() {
		return pids(false);
	}

	// with the side runs when everything must go: one left running would end as a zombie
	// of the test JVM, which is everyone's subreaper here
	private List<Long> pids(boolean withSideRuns) {
		try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
			return procs.filter((p) -> p.getFileName().toString().chars().allMatch(Character::isDigit))
				.filter((p) -> isOurs(p, withSideRuns))
				.map((p) -> Long.parseLong(p.getFileName().toString()))
				.toList();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Whether a process is a side run training the class-data cache: part of the design,
	 * it never serves and its parent stops it when it stops.
	 * @param pid the process, as this test sees it
	 * @return true for a side run
	 */
	public static boolean isClassDataTraining(long pid) {
		try {
			return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
					StandardCharsets.UTF_8)
				.contains(CLASS_DATA_TRAINING);
		}
		catch (IOException ex) {
			return false; // exited while we looked
		}
	}

	private static final String CLASS_DATA_TRAINING = "-Dgrace.class-data.training=true";

	private boolean isOurs(Path proc, boolean withSideRuns) {
		try {
			String cmdline = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8);
			// a side run training the class-data cache never serves
			return cmdline.contains(this.marker) && (withSideRuns || !cmdline.contains(CLASS_DATA_TRAINING))
					&& !isZombie(proc);
		}
		catch (IOException ex) {
			return false; // exited while we looked
		}
	}

	private static boolean isZombie(Path proc) throws IOException {
		String stat = Files.readString(proc.resolve("stat"));
		return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
	}

	public Path logFile() {
		return this.log;
	}

	public String log() {
		try {
			return Files.readString(this.log);
		}
		catch (IOException ex) {
			return "(no log: " + ex + ")";
		}
	}

	public static void pause(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	@Override
	public void close() {
		// with what they started (a side run extracting a fat jar has no marker), found
		// while their parents live: an orphan's parent is this JVM, everyone's subreaper
		Set<Long> pids = new LinkedHashSet<>(pids(true));
		for (long pid : List.copyOf(pids)) {
			ProcessHandle.of(pid).ifPresent((process) -> process.descendants().forEach((d) -> pids.add(d.pid())));
		}
		for (long pid : pids) {
			Processes.signal(pid, Processes.SIGKILL);
		}
		this.first.destroyForcibly();
		for (long pid : pids) {
			if (pid != this.first.pid()) {
				Processes.awaitExit(pid, Duration.ofSeconds(10));
			}
		}
		try {
			this.first.waitFor(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
