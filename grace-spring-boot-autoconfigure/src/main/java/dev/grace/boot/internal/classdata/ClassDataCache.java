package dev.grace.boot.internal.classdata;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

import org.jspecify.annotations.Nullable;

import dev.grace.boot.internal.posix.ChildCommand;

/**
 * A directory of class-data caches, one per build: the key is made of the java runtime
 * (home, version, size and time of {@code libjvm.so}), the JVM options and every jar of
 * the class path (path, size, modification time), so a new build or a new JDK never
 * meets an old cache. A cache is given to the next process with the option that merely
 * asks the JVM to use it ({@code -XX:AOTCache} on JDK 25+, {@code -XX:SharedArchiveFile}
 * before), never a strict mode: a cache the JVM still rejects costs a warning, not a
 * start. A command that names class-data options of its own is left alone.
 */
public final class ClassDataCache {

	/** JEP 514's one-step training ({@code -XX:AOTCacheOutput}) and JEP 515's profiles. */
	public static final int AOT_CACHE_SINCE = 25;

	static final String AOT_CACHE = "-XX:AOTCache=";

	static final String AOT_CACHE_OUTPUT = "-XX:AOTCacheOutput=";

	static final String SHARED_ARCHIVE_FILE = "-XX:SharedArchiveFile=";

	static final String ARCHIVE_CLASSES_AT_EXIT = "-XX:ArchiveClassesAtExit=";

	/** Marks the side run that trains a cache; it never serves. */
	public static final String TRAINING_PROPERTY = "-Dgrace.class-data.training=true";

	// any of these in the command or the JVM's option variables: the user manages class data
	private static final List<String> USER_OPTIONS = List.of("SharedArchiveFile", "ArchiveClassesAtExit",
			"AutoCreateSharedArchive", "AOTCache", "AOTMode", "AOTConfiguration", "SharedSpaces", "-Xshare:",
			"DynamicDumpInfo");

	private static final List<String> OPTION_VARIABLES = List.of("JDK_JAVA_OPTIONS", "JAVA_TOOL_OPTIONS",
			"_JAVA_OPTIONS");

	private static final Set<String> OPTIONS_WITH_VALUE = Set.of("-cp", "-classpath", "--class-path", "-p",
			"--module-path", "--upgrade-module-path", "--add-modules", "--enable-native-access", "--limit-modules",
			"--add-exports", "--add-opens", "--add-reads", "--patch-module", "--source");

	private static final Set<String> CLASS_PATH_OPTIONS = Set.of("-cp", "-classpath", "--class-path");

	// temporary files of a side run whose parent was killed (a side run takes at most
	// ClassDataTraining's timeout, 10 minutes, while its parent lives)
	static final Duration ABANDONED_AFTER = Duration.ofMinutes(30);

	private final Path directory;

	private final int maxEntries;

	private final Runtime runtime;

	/**
	 * The java runtime the next process runs: the same executable as this one.
	 * @param home its home
	 * @param version its full version
	 * @param feature its feature version
	 */
	record Runtime(Path home, String version, int feature) {

		static Runtime current() {
			return new Runtime(Path.of(System.getProperty("java.home")), System.getProperty("java.vm.version"),
					java.lang.Runtime.version().feature());
		}

		String extension() {
			return (this.feature >= AOT_CACHE_SINCE) ? ".aot" : ".jsa";
		}

		String kind() {
			return (this.feature >= AOT_CACHE_SINCE) ? "AOT cache" : "CDS archive";
		}

	}

	/**
	 * What to do for one command.
	 * @param key the cache's key, null when there is nothing to do
	 * @param reason why there is nothing to do, null when there is a key
	 * @param argv the command without the class-data options this starter added to it
	 */
	record Plan(@Nullable String key, @Nullable String reason, List<String> argv) {

	}

	ClassDataCache(Path directory, int maxEntries, Runtime runtime) {
		this.directory = directory;
		this.maxEntries = maxEntries;
		this.runtime = runtime;
	}

	/**
	 * A cache for processes of this JVM's java runtime.
	 * @param directory where caches are kept, null for the default
	 * @param maxEntries how many builds' caches are kept
	 * @return the cache
	 */
	public static ClassDataCache forThisRuntime(@Nullable Path directory, int maxEntries) {
		return new ClassDataCache((directory != null) ? directory : defaultDirectory(), maxEntries,
				Runtime.current());
	}

	/**
	 * A directory of this user's under {@code java.io.tmpdir}: caches of several
	 * applications may share it, their keys differ.
	 * @return the directory
	 */
	public static Path defaultDirectory() {
		String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
		return Path.of(System.getProperty("java.io.tmpdir"), "grace-class-data-" + user);
	}

	/**
	 * The directory.
	 * @return where caches are kept
	 */
	public Path directory() {
		return this.directory;
	}

	String kind() {
		return this.runtime.kind();
	}

	/**
	 * The command with the option that uses this build's cache when a valid one exists.
	 * @param command the next process's command
	 * @return the command to run and one sentence on its class data
	 */
	public Applied apply(ChildCommand command) {
		Plan plan = plan(command);
		ChildCommand stripped = new ChildCommand(plan.argv(), command.env(), command.directory());
		if (plan.key() == null) {
			return new Applied(stripped, "no class-data cache: " + plan.reason());
		}
		Path archive = archive(plan.key());
		String problem = validity(plan.key());
		if (problem != null) {
			return new Applied(stripped, "no " + kind() + " for this build yet (" + problem + ")");
		}
		touch(marker(plan.key()));
		List<String> argv = new ArrayList<>(plan.argv());
		argv.add(1, useOption() + archive);
		return new Applied(new ChildCommand(List.copyOf(argv), command.env(), command.directory()),
				"the new process uses the " + kind() + " " + archive + " (" + megabytes(archive) + " MB)");
	}

	/**
	 * A command and what it does with class data.
	 * @param command the command
	 * @param summary one sentence for the log
	 */
	public record Applied(ChildCommand command, String summary) {

	}

	Plan plan(ChildCommand command) {
		List<String> argv = strip(command.argv());
		String user = userOption(argv, command.env());
		if (user != null) {
			return new Plan(null, "the command sets " + user + " itself", argv);
		}
		if (!usableDirectory()) {
			return new Plan(null, "cannot use " + this.directory + " (not a directory of this user's that only "
					+ "this user may write)", argv);
		}
		Path base = command.baseDirectory();
		List<String> key = new ArrayList<>();
		key.add("java " + this.runtime.home() + " " + this.runtime.version() + " " + stamp(libjvm()));
		List<Path> classPath = null;
		for (int i = 1; i < argv.size(); i++) {
			String arg = argv.get(i);
			if (arg.equals("-jar") && i + 1 < argv.size()) {
				Path jar = base.resolve(argv.get(i + 1));
				classPath = new ArrayList<>(List.of(jar));
				classPath.addAll(manifestClassPath(jar));
				break;
			}
			if (arg.equals("-m") || arg.equals("--module") || arg.startsWith("--module=")) {
				return new Plan(null, "the application runs as a module", argv);
			}
			if (!arg.startsWith("-")) {
				break; // the main class
			}
			key.add(arg);
			if (OPTIONS_WITH_VALUE.contains(arg) && i + 1 < argv.size()) {
				i++;
				key.add(argv.get(i));
				if (CLASS_PATH_OPTIONS.contains(arg)) {
					classPath = classPath(base, argv.get(i));
				}
			}
		}
		if (classPath == null) {
			String variable = command.env().get("CLASSPATH");
			classPath = (variable != null) ? classPath(base, variable) : List.of(base);
		}
		for (Path entry : classPath) {
			if (Files.isDirectory(entry)) {
				return new Plan(null, "the class path has a directory, " + entry
						+ ", and the JVM archives classes from jars only", argv);
			}
			key.add("jar " + entry.normalize() + " " + stamp(entry));
		}
		return new Plan(digest(key), null, argv);
	}

	/**
	 * The option a training side run gets, writing its cache to {@code output}.
	 * @return the option's name with its equals sign
	 */
	String trainOption() {
		return (this.runtime.feature() >= AOT_CACHE_SINCE) ? AOT_CACHE_OUTPUT : ARCHIVE_CLASSES_AT_EXIT;
	}

	String useOption() {
		return (this.runtime.feature() >= AOT_CACHE_SINCE) ? AOT_CACHE : SHARED_ARCHIVE_FILE;
	}

	/**
	 * Why the cache of a key cannot be used: none, or it changed since it was written.
	 * A changed cache is removed.
	 * @param key the key
	 * @return the reason, null when it can be used
	 */
	@Nullable String validity(String key) {
		Path archive = archive(key);
		Path marker = marker(key);
		if (!Files.isRegularFile(marker) || !Files.isRegularFile(archive, LinkOption.NOFOLLOW_LINKS)) {
			return Files.isRegularFile(failed(key)) ? "its training failed, see " + log(key) : "none trained";
		}
		try {
			String expected = Files.readString(marker, StandardCharsets.UTF_8).strip();
			if (!expected.equals(stamp(archive))) {
				delete(archive);
				delete(marker);
				return "the one in " + archive + " changed after it was written: removed";
			}
			return null;
		}
		catch (IOException ex) {
			return "cannot read " + marker + ": " + ex.getMessage();
		}
	}

	/**
	 * Keeps a trained cache: renamed into place, its size and time recorded, the oldest
	 * builds' caches removed.
	 * @param key the key
	 * @param trained the file the side run wrote
	 * @throws IOException when it cannot be moved
	 */
	void store(String key, Path trained) throws IOException {
		Path archive = archive(key);
		Files.move(trained, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
		Path marker = marker(key);
		Path next = this.directory.resolve(key + ".ok.tmp");
		Files.writeString(next, stamp(archive) + "\n", StandardCharsets.UTF_8);
		Files.move(next, marker, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
		delete(failed(key));
		prune();
	}

	void markFailed(String key, String why) {
		try {
			Files.writeString(failed(key), why + "\n", StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			// the next process tries again
		}
	}

	/**
	 * Removes the caches of all but the {@code maxEntries} builds used last, and
	 * temporary files left by side runs that were killed.
	 */
	void prune() {
		// ExtractedLayout's entries (.layout) are its own to prune
		for (String key : beyondUsedLast(this.directory, this.maxEntries,
				(name) -> !name.contains(".layout") && (name.endsWith(".ok") || name.endsWith(".failed")),
				(name) -> !name.contains(".layout") && name.contains(".tmp"), ClassDataCache::delete)) {
			for (String suffix : List.of(".aot", ".jsa", ".ok", ".failed", ".log", ".lock")) {
				delete(this.directory.resolve(key + suffix));
			}
		}
	}

	/**
	 * The keys of the entries of a directory other than the {@code maxEntries} used last
	 * (by their markers' times), after removing what killed side runs left.
	 * @param directory the directory
	 * @param maxEntries how many entries to keep
	 * @param isMarker whether a file name is an entry's marker, named by its key and a dot
	 * @param isTemporary whether a file name is a side run's temporary file
	 * @param deleteTemporary how to remove a temporary file older than
	 * {@link #ABANDONED_AFTER}
	 * @return the keys of the entries to remove
	 */
	static List<String> beyondUsedLast(Path directory, int maxEntries, Predicate<String> isMarker,
			Predicate<String> isTemporary, Consumer<Path> deleteTemporary) {
		List<Path> markers = new ArrayList<>();
		try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
			long now = System.currentTimeMillis();
			for (Path file : files) {
				String name = file.getFileName().toString();
				if (isMarker.test(name)) {
					markers.add(file);
				}
				else if (isTemporary.test(name) && now - modified(file) > ABANDONED_AFTER.toMillis()) {
					deleteTemporary.accept(file);
				}
			}
		}
		catch (IOException ex) {
			return List.of();
		}
		markers.sort(Comparator.comparingLong(ClassDataCache::modified).reversed());
		List<String> keys = new ArrayList<>();
		for (Path marker : markers.subList(Math.min(maxEntries, markers.size()), markers.size())) {
			String name = marker.getFileName().toString();
			keys.add(name.substring(0, name.indexOf('.')));
		}
		return keys;
	}

	Path archive(String key) {
		return this.directory.resolve(key + this.runtime.extension());
	}

	Path temporary(String key) {
		return this.directory.resolve(key + ".tmp" + ProcessHandle.current().pid() + this.runtime.extension());
	}

	Path log(String key) {
		return this.directory.resolve(key + ".log");
	}

	Path lock(String key) {
		return this.directory.resolve(key + ".lock");
	}

	private Path marker(String key) {
		return this.directory.resolve(key + ".ok");
	}

	private Path failed(String key) {
		return this.directory.resolve(key + ".failed");
	}

	/**
	 * Removes the options this starter added to an earlier process's command, so that
	 * they are neither taken for the user's nor passed on twice.
	 * @param argv a command
	 * @return the command without them
	 */
	List<String> strip(List<String> argv) {
		List<String> result = new ArrayList<>(argv.size());
		for (String arg : argv) {
			if (!isOurs(arg)) {
				result.add(arg);
			}
		}
		return List.copyOf(result);
	}

	private boolean isOurs(String arg) {
		for (String option : List.of(AOT_CACHE, SHARED_ARCHIVE_FILE)) {
			if (arg.startsWith(option)) {
				Path value = Path.of(arg.substring(option.length()));
				return value.getParent() != null && value.getParent().equals(this.directory);
			}
		}
		return false;
	}

	static @Nullable String userOption(List<String> argv, Map<String, String> env) {
		for (String arg : argv.subList(1, argv.size())) {
			if (arg.equals("-jar") || !arg.startsWith("-")) {
				break;
			}
			String found = userOption(arg);
			if (found != null) {
				return found;
			}
		}
		for (String variable : OPTION_VARIABLES) {
			String value = env.get(variable);
			if (value != null) {
				for (String option : value.trim().split("\\s+")) {
					if (userOption(option) != null) {
						return option + " (in " + variable + ")";
					}
				}
			}
		}
		return null;
	}

	private static @Nullable String userOption(String arg) {
		if (arg.startsWith("-X") && !arg.startsWith("-Xlog")) {
			for (String name : USER_OPTIONS) {
				if (arg.contains(name)) {
					return arg;
				}
			}
		}
		return null;
	}

	// A directory anyone may write would let another user plant a cache for this JVM to map
	boolean usableDirectory() {
		try {
			if (!Files.exists(this.directory)) {
				Files.createDirectories(this.directory.getParent());
				Files.createDirectory(this.directory,
						PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
			}
			Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(this.directory);
			return Files.isDirectory(this.directory) && Files.isWritable(this.directory)
					&& Files.getOwner(this.directory).getName().equals(System.getProperty("user.name"))
					&& !permissions.contains(PosixFilePermission.GROUP_WRITE)
					&& !permissions.contains(PosixFilePermission.OTHERS_WRITE);
		}
		catch (IOException | UnsupportedOperationException ex) {
			return false;
		}
	}

	private Path libjvm() {
		return this.runtime.home().resolve("lib/server/libjvm.so");
	}

	private static List<Path> manifestClassPath(Path jar) {
		try (JarFile file = new JarFile(jar.toFile())) {
			Manifest manifest = file.getManifest();
			String value = (manifest != null) ? manifest.getMainAttributes().getValue("Class-Path") : null;
			if (value == null || value.isBlank()) {
				return List.of();
			}
			List<Path> paths = new ArrayList<>();
			Path base = jar.toAbsolutePath().getParent();
			for (String entry : value.trim().split("\\s+")) {
				paths.add(base.resolve(entry));
			}
			return paths;
		}
		catch (IOException | RuntimeException ex) {
			return List.of();
		}
	}

	private static List<Path> classPath(Path base, String value) {
		List<Path> paths = new ArrayList<>();
		for (String entry : value.split(":")) {
			if (entry.isEmpty()) {
				continue;
			}
			if (entry.endsWith("*")) {
				Path dir = base.resolve(entry.substring(0, entry.length() - 1));
				List<Path> jars = new ArrayList<>();
				try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.{jar,JAR}")) {
					files.forEach(jars::add);
				}
				catch (IOException ex) {
					// an empty wildcard
				}
				jars.sort(Comparator.naturalOrder());
				paths.addAll(jars);
			}
			else {
				paths.add(base.resolve(entry));
			}
		}
		return paths;
	}

	static String stamp(Path file) {
		try {
			BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
			return attributes.size() + " " + attributes.lastModifiedTime().toMillis();
		}
		catch (IOException ex) {
			return "missing";
		}
	}

	static String digest(List<String> lines) {
		try {
			MessageDigest sha = MessageDigest.getInstance("SHA-256");
			for (String line : lines) {
				sha.update(line.getBytes(StandardCharsets.UTF_8));
				sha.update((byte) '\n');
			}
			return HexFormat.of().formatHex(sha.digest(), 0, 12);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	static long megabytes(Path file) {
		try {
			return Files.size(file) / (1024 * 1024);
		}
		catch (IOException ex) {
			return 0;
		}
	}

	static long modified(Path file) {
		try {
			return Files.getLastModifiedTime(file).toMillis();
		}
		catch (IOException ex) {
			return 0;
		}
	}

	static void touch(Path file) {
		try {
			Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis()));
		}
		catch (IOException ex) {
			// only the pruning order
		}
	}

	static void delete(Path file) {
		try {
			Files.deleteIfExists(file);
		}
		catch (IOException ex) {
			// removed by the next prune
		}
	}

}
