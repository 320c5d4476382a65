package dev.grace.boot.internal.classdata;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;

import dev.grace.boot.internal.posix.ChildCommand;

/**
 * Spring Boot's extracted layout of a fat jar ({@code java -Djarmode=tools -jar app.jar
 * extract}), made once per deployed jar (its real path, size and modification time) in
 * the class-data directory. The JVM caches no class of a fat jar's nested jars, so
 * restarted processes of one run this copy, and get the application's classes from the
 * cache too. Only the new process's command names the copy: the command every restart
 * starts from names the deployed jar again ({@link #DEPLOYED_JAR} carries it), so a
 * re-deployed jar or re-pointed release link is read at each restart, and a copy that is
 * not of the jar deployed now is never run. A process running a copy holds a shared
 * lock on it, so that no pruning removes the jars it still loads classes from.
 */
public final class ExtractedLayout {

	/** The jar argument of the command a process running a copy was started for. */
	public static final String DEPLOYED_JAR = "GRACE_DEPLOYED_JAR";

	static final String JAR_LAUNCHER = "org.springframework.boot.loader.launch.JarLauncher";

	// the jar mode that extracts; Boot packages it unless the build opts out (includeTools)
	static final String TOOLS_PREFIX = "BOOT-INF/lib/spring-boot-jarmode-tools-";

	private static final String SUFFIX = ".layout";

	private final Path directory;

	private final int maxEntries;

	private volatile @Nullable FileChannel held;

	/**
	 * The layouts kept in a class-data directory.
	 * @param directory the directory
	 * @param maxEntries how many jars' layouts are kept
	 */
	public ExtractedLayout(Path directory, int maxEntries) {
		this.directory = directory;
		this.maxEntries = maxEntries;
	}

	/**
	 * A deployed fat jar that a copy can be made of.
	 * @param argument the jar as the command names it
	 * @param jar the jar, every link resolved
	 * @param key its copy's key
	 */
	record Source(String argument, Path jar, String key) {

	}

	/**
	 * The command a process running a copy was started for: its jar argument back to the
	 * deployed jar. Other commands are returned as they are.
	 * @param command this process's command
	 * @return the command naming the deployed jar
	 */
	public ChildCommand deployed(ChildCommand command) {
		String deployed = command.env().get(DEPLOYED_JAR);
		Path copy = runningCopy(command);
		if (deployed == null || copy == null) {
			return command;
		}
		Map<String, String> env = new LinkedHashMap<>(command.env());
		env.remove(DEPLOYED_JAR);
		return new ChildCommand(command.withJar(deployed).argv(), env, command.directory());
	}

	/**
	 * The command that runs the copy of the deployed jar, when one was made of it.
	 * @param command the command naming the deployed jar
	 * @return the command naming the copy, with {@link #DEPLOYED_JAR}, or null when there
	 * is no copy of that jar
	 */
	public @Nullable ChildCommand launch(ChildCommand command) {
		Source source = source(command);
		return (source != null) ? launch(command, source) : null;
	}

	// with the source already read: reading it opens the jar
	@Nullable ChildCommand launch(ChildCommand command, Source source) {
		Path copy = copy(source);
		if (copy == null) {
			return null;
		}
		ClassDataCache.touch(marker(source.key()));
		Map<String, String> env = new LinkedHashMap<>(command.env());
		env.put(DEPLOYED_JAR, source.argument());
		return new ChildCommand(command.withJar(copy.toString()).argv(), env, command.directory());
	}

	/**
	 * The deployed jar of a command, when it is a fat jar this starter can extract.
	 * @param command the command naming the deployed jar
	 * @return the source, null when the command runs no Spring Boot fat jar with its
	 * tools jar mode
	 */
	@Nullable Source source(ChildCommand command) {
		String argument = command.jar();
		if (argument == null) {
			return null;
		}
		try {
			Path jar = command.baseDirectory().resolve(argument).toRealPath();
			if (jar.startsWith(realDirectory()) || !isExtractable(jar)) {
				return null;
			}
			return new Source(argument, jar, ClassDataCache.digest(List.of("layout " + jar,
					"jar " + ClassDataCache.stamp(jar))));
		}
		catch (IOException ex) {
			return null;
		}
	}

	private Path realDirectory() {
		try {
			return this.directory.toRealPath();
		}
		catch (IOException ex) {
			return this.directory.toAbsolutePath().normalize();
		}
	}

	private static boolean isExtractable(Path jar) {
		try (JarFile file = new JarFile(jar.toFile())) {
			Manifest manifest = file.getManifest();
			return manifest != null && JAR_LAUNCHER.equals(manifest.getMainAttributes().getValue("Main-Class"))
					&& file.stream().anyMatch((entry) -> entry.getName().startsWith(TOOLS_PREFIX));
		}
		catch (IOException | RuntimeException ex) {
			return false;
		}
	}

	/**
	 * The copy's jar, when a complete one exists.
	 * @param source the deployed jar
	 * @return the jar to run, null when none was made
	 */
	@Nullable Path copy(Source source) {
		Path jar = layout(source.key()).resolve(source.jar().getFileName());
		return (Files.isRegularFile(marker(source.key())) && Files.isRegularFile(jar)) ? jar : null;
	}

	boolean failed(Source source) {
		return Files.isRegularFile(failedMarker(source.key()));
	}

	/**
	 * The command that extracts the deployed jar with its own jar mode.
	 * @param command the command naming the deployed jar, whose java runs it
	 * @param source the deployed jar
	 * @param destination a directory that does not exist yet
	 * @return the command
	 */
	List<String> extractArgv(ChildCommand command, Source source, Path destination) {
		// marked as a side run of the training, which ps and tests tell from a serving process
		return List.of(command.argv().get(0), ClassDataCache.TRAINING_PROPERTY, "-Djarmode=tools", "-jar",
				source.jar().toString(), "extract", "--destination", destination.toString());
	}

	Path temporary(Source source) {
		return this.directory.resolve(source.key() + SUFFIX + ".tmp" + ProcessHandle.current().pid());
	}

	Path extracting(Source source) {
		return this.directory.resolve(source.key() + SUFFIX + ".extracting");
	}

	Path log(Source source) {
		return this.directory.resolve(source.key() + SUFFIX + ".log");
	}

	/**
	 * Keeps an extraction: renamed into place, then marked complete; the layouts of the
	 * jars used longest ago are removed.
	 * @param source the deployed jar
	 * @param extracted the directory the extraction wrote
	 * @throws IOException when it cannot be moved
	 */
	void store(Source source, Path extracted) throws IOException {
		Path layout = layout(source.key());
		deleteTree(layout);
		Files.move(extracted, layout, StandardCopyOption.ATOMIC_MOVE);
		Files.writeString(marker(source.key()), source.jar() + "\n", StandardCharsets.UTF_8);
		Files.deleteIfExists(failedMarker(source.key()));
		prune();
	}

	void markFailed(Source source, String why) {
		try {
			Files.writeString(failedMarker(source.key()), why + "\n", StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			// the next process tries again
		}
	}

	/**
	 * Holds a shared lock on the copy this process runs, if it runs one, for as long as
	 * it lives.
	 * @param command this process's command
	 */
	public void holdRunningCopy(ChildCommand command) {
		Path copy = runningCopy(command);
		if (copy == null) {
			return;
		}
		String name = this.directory.relativize(copy).getName(0).toString();
		try {
			// kept: an unreachable channel is closed by its cleaner, and its lock with it
			FileChannel channel = FileChannel.open(lockFile(name.substring(0, name.length() - SUFFIX.length())),
					StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
			this.held = channel;
			channel.lock(0, Long.MAX_VALUE, true);
		}
		catch (IOException | RuntimeException ex) {
			// pruning keeps the layouts used last anyway
		}
	}

	/**
	 * Removes the layouts of all but the {@code maxEntries} jars used last, except those a
	 * running process holds, and extractions left by processes that were killed.
	 */
	void prune() {
		for (String key : ClassDataCache.beyondUsedLast(this.directory, this.maxEntries,
				(name) -> name.endsWith(SUFFIX + ".ok") || name.endsWith(SUFFIX + ".failed"),
				(name) -> name.contains(SUFFIX + ".tmp"), ExtractedLayout::deleteTree)) {
			try (FileChannel channel = FileChannel.open(lockFile(key), StandardOpenOption.CREATE,
					StandardOpenOption.WRITE); FileLock lock = channel.tryLock()) {
				if (lock == null) {
					continue; // a process runs it
				}
				deleteTree(layout(key));
				for (String suffix : List.of(".ok", ".failed", ".log", ".lock", ".extracting")) {
					ClassDataCache.delete(this.directory.resolve(key + SUFFIX + suffix));
				}
			}
			catch (IOException | OverlappingFileLockException ex) {
				// this process runs it, or it is gone
			}
		}
	}

	private @Nullable Path runningCopy(ChildCommand command) {
		String jar = command.jar();
		if (jar == null) {
			return null;
		}
		Path path = command.baseDirectory().resolve(jar).normalize();
		Path relative = path.startsWith(this.directory) ? this.directory.relativize(path) : null;
		return (relative != null && relative.getNameCount() == 2
				&& relative.getName(0).toString().endsWith(SUFFIX)) ? path : null;
	}

	private Path layout(String key) {
		return this.directory.resolve(key + SUFFIX);
	}

	private Path marker(String key) {
		return this.directory.resolve(key + SUFFIX + ".ok");
	}

	private Path failedMarker(String key) {
		return this.directory.resolve(key + SUFFIX + ".failed");
	}

	private Path lockFile(String key) {
		return this.directory.resolve(key + SUFFIX + ".lock");
	}

	static void deleteTree(Path root) {
		if (!Files.exists(root)) {
			return;
		}
		try (Stream<Path> paths = Files.walk(root)) {
			paths.sorted(Comparator.reverseOrder()).forEach(ClassDataCache::delete);
		}
		catch (IOException ex) {
			// removed by the next prune
		}
	}

}
