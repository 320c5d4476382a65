package dev.grace.boot.internal.posix;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import dev.grace.boot.internal.RestartHistory;
import dev.grace.boot.internal.RestartSignals;

/**
 * The command line, environment and working directory of the next process: this one's,
 * read back from {@code /proc/self/cmdline} so that every JVM option, the main class or
 * jar and every argument come along. Paths are passed as they were given, not resolved,
 * and the working directory by its logical path, so a jar renamed into place or a
 * re-pointed release symlink is what the next process runs.
 *
 * @param argv the arguments, the java executable first
 * @param env the environment, without this process's inherited-socket variables
 * @param directory the working directory, null for this process's own
 */
public record ChildCommand(List<String> argv, Map<String, String> env, @Nullable Path directory) {

	/**
	 * On JDK 24 and later, jnr's native calls make the JVM warn (restricted native
	 * access, {@code sun.misc.Unsafe} memory access) unless these options allow them.
	 */
	static final List<String> NATIVE_ACCESS_OPTIONS = List.of("--enable-native-access=ALL-UNNAMED",
			"--sun-misc-unsafe-memory-access=allow");

	static final int NATIVE_ACCESS_WARNINGS_SINCE = 24;

	// launcher options whose value is the next argument (java --help)
	private static final Set<String> OPTIONS_WITH_VALUE = Set.of("-cp", "-classpath", "--class-path", "-p",
			"--module-path", "--upgrade-module-path", "--add-modules", "--enable-native-access", "--limit-modules",
			"--add-exports", "--add-opens", "--add-reads", "--patch-module", "--source");

	/**
	 * The variables one process gives the next: read once, then removed so that nothing
	 * started later misreads them.
	 */
	public static final List<String> INHERITED_VARIABLES = List.of(ListenFds.LISTEN_FDS, ListenFds.LISTEN_PID,
			ListenFds.LISTEN_FDNAMES, Lineage.GENERATION, Lineage.PARENT_PID, Lineage.READY_FD, StartPriority.VARIABLE,
			RestartHistory.TRIGGER,
			RestartHistory.REQUESTED_AT, RestartHistory.TALLY);

	/**
	 * A command run in this process's working directory.
	 * @param argv the arguments, the executable first
	 * @param env the environment
	 */
	public ChildCommand(List<String> argv, Map<String, String> env) {
		this(argv, env, null);
	}

	/**
	 * The command that starts another copy of this process in its working directory.
	 * @param env this process's environment
	 * @return the command
	 */
	public static ChildCommand ofCurrentProcess(Map<String, String> env) {
		List<String> argv = new ArrayList<>(cmdline());
		argv.set(0, ProcessHandle.current().info().command().orElse(argv.get(0)));
		return of(argv, env, Runtime.version().feature());
	}

	/**
	 * The command that starts another copy of this process in {@code directory},
	 * resolved again when it starts, with {@code PWD} naming it.
	 * @param env this process's environment
	 * @param directory the logical working directory
	 * @return the command
	 */
	public static ChildCommand ofCurrentProcess(Map<String, String> env, WorkingDirectory directory) {
		return ofCurrentProcess(env).in(directory);
	}

	ChildCommand in(WorkingDirectory directory) {
		Map<String, String> childEnv = new LinkedHashMap<>(this.env);
		childEnv.put(WorkingDirectory.PWD, directory.path().toString());
		return new ChildCommand(this.argv, childEnv, directory.path());
	}

	/**
	 * The jar this command runs, as its command line names it.
	 * @return the argument of {@code -jar}, null when it runs a main class or module
	 */
	public @Nullable String jar() {
		int index = jarIndex();
		return (index >= 0) ? this.argv.get(index) : null;
	}

	/**
	 * The same command running another jar.
	 * @param jar the argument of {@code -jar}
	 * @return the command
	 * @throws IllegalStateException when this command runs no jar
	 */
	public ChildCommand withJar(String jar) {
		int index = jarIndex();
		if (index < 0) {
			throw new IllegalStateException("The command runs no jar: " + this.argv);
		}
		List<String> argv = new ArrayList<>(this.argv);
		argv.set(index, jar);
		return new ChildCommand(List.copyOf(argv), this.env, this.directory);
	}

	/**
	 * The directory the command's relative paths are resolved against.
	 * @return its working directory, or this process's
	 */
	public Path baseDirectory() {
		return (this.directory != null) ? this.directory : Path.of("").toAbsolutePath();
	}

	private int jarIndex() {
		for (int i = 1; i < this.argv.size(); i++) {
			String arg = this.argv.get(i);
			if (arg.equals("-jar")) {
				return (i + 1 < this.argv.size()) ? i + 1 : -1;
			}
			if (!arg.startsWith("-") || arg.equals("-m") || arg.startsWith("--module=") || arg.equals("--module")) {
				return -1; // the main class or module: what follows is the application's
			}
			if (OPTIONS_WITH_VALUE.contains(arg)) {
				i++;
			}
		}
		return -1;
	}

	static ChildCommand of(List<String> current, Map<String, String> env, int javaFeatureVersion) {
		List<String> argv = new ArrayList<>(current);
		if (!hasRequiredOption(argv)) {
			argv.add(1, ServerSocketChannels.REQUIRED_JVM_OPTION);
		}
		if (javaFeatureVersion >= NATIVE_ACCESS_WARNINGS_SINCE) {
			for (String option : nativeAccessOptions(javaFeatureVersion)) {
				String name = option.substring(0, option.indexOf('=') + 1);
				if (argv.stream().noneMatch((arg) -> arg.startsWith(name))) {
					argv.add(1, option);
				}
			}
		}
		Map<String, String> childEnv = new LinkedHashMap<>(env);
		INHERITED_VARIABLES.forEach(childEnv::remove);
		childEnv.putIfAbsent(RestartSignals.SR_SIGNUM_VARIABLE, RestartSignals.SR_SIGNUM);
		return new ChildCommand(List.copyOf(argv), childEnv);
	}

	/**
	 * The options that keep a JVM of this version from warning about jnr's native calls.
	 * @param javaFeatureVersion the JVM's feature version
	 * @return the options, empty before JDK 24
	 */
	public static List<String> nativeAccessOptions(int javaFeatureVersion) {
		return (javaFeatureVersion >= NATIVE_ACCESS_WARNINGS_SINCE) ? NATIVE_ACCESS_OPTIONS : List.of();
	}

	static boolean hasRequiredOption(List<String> argv) {
		String value = ServerSocketChannels.REQUIRED_JVM_OPTION.substring("--add-opens=".length());
		for (int i = 1; i < argv.size(); i++) {
			String arg = argv.get(i);
			if (arg.equals(ServerSocketChannels.REQUIRED_JVM_OPTION)
					|| (arg.equals("--add-opens") && i + 1 < argv.size() && argv.get(i + 1).equals(value))) {
				return true;
			}
		}
		return false;
	}

	private static List<String> cmdline() {
		try {
			byte[] raw = Files.readAllBytes(Path.of("/proc/self/cmdline"));
			List<String> args = new ArrayList<>();
			int start = 0;
			for (int i = 0; i < raw.length; i++) {
				if (raw[i] == 0) {
					args.add(new String(raw, start, i - start, Charset.defaultCharset()));
					start = i + 1;
				}
			}
			if (args.isEmpty()) {
				throw new IllegalStateException("/proc/self/cmdline is empty");
			}
			return args;
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot read /proc/self/cmdline", ex);
		}
	}

}
