package dev.grace.boot.internal.classdata;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.grace.boot.internal.posix.ChildCommand;

import static org.assertj.core.api.Assertions.assertThat;

class ClassDataCacheTests {

	@TempDir
	Path dir;

	Path app;

	Path jar;

	Path lib;

	ClassDataCache.Runtime jdk25;

	@BeforeEach
	void build() throws IOException {
		Path home = Files.createDirectories(this.dir.resolve("jdk/lib/server"));
		Files.writeString(home.resolve("libjvm.so"), "jvm");
		this.jdk25 = new ClassDataCache.Runtime(this.dir.resolve("jdk"), "25.0.3+9-LTS", 25);
		this.app = Files.createDirectories(this.dir.resolve("app"));
		this.lib = Files.writeString(Files.createDirectories(this.app.resolve("lib")).resolve("spring.jar"), "lib");
		this.jar = jarWithClassPath(this.app.resolve("app.jar"), "lib/spring.jar");
	}

	@Test
	void theKeyFollowsTheJarsTheRuntimeAndTheJvmOptionsButNotTheArguments() throws IOException {
		ClassDataCache cache = cache(this.jdk25);
		String key = cache.plan(command("-Xmx256m", "-jar", "app.jar", "--server.port=1")).key();
		assertThat(key).isNotNull();
		assertThat(cache.plan(command("-Xmx256m", "-jar", "app.jar", "--server.port=2")).key()).isEqualTo(key);
		assertThat(cache.plan(command("-Xmx512m", "-jar", "app.jar")).key()).isNotEqualTo(key);
		assertThat(cache(new ClassDataCache.Runtime(this.jdk25.home(), "25.0.4+7-LTS", 25))
			.plan(command("-Xmx256m", "-jar", "app.jar")).key()).isNotEqualTo(key);

		later(this.lib); // a jar named by the manifest's Class-Path (the extracted layout)
		assertThat(cache.plan(command("-Xmx256m", "-jar", "app.jar")).key()).isNotEqualTo(key);
	}

	@Test
	void aClassPathOfJarsHasAKeyADirectoryOrAModuleNone() throws IOException {
		ClassDataCache cache = cache(this.jdk25);
		String key = cache.plan(command("-cp", "app.jar:lib/*", "com.example.App")).key();
		assertThat(key).isNotNull();
		later(this.lib);
		assertThat(cache.plan(command("-cp", "app.jar:lib/*", "com.example.App")).key()).isNotEqualTo(key);

		ClassDataCache.Plan classes = cache.plan(command("-cp", "app.jar:lib", "com.example.App"));
		assertThat(classes.key()).isNull();
		assertThat(classes.reason()).contains("directory").contains("lib");
		assertThat(cache.plan(command("-m", "app/com.example.App")).reason()).contains("module");
	}

	@Test
	void aTrainedCacheIsGivenToTheNextProcessWithTheOptionOfItsJdk() throws IOException {
		ClassDataCache cache = cache(this.jdk25);
		ClassDataCache.Applied none = cache.apply(command("-jar", "app.jar"));
		assertThat(none.command().argv()).containsExactly("java", "-jar", "app.jar");
		assertThat(none.summary()).contains("no AOT cache for this build yet (none trained)");

		String key = train(cache, command("-jar", "app.jar"));
		ClassDataCache.Applied used = cache.apply(command("-jar", "app.jar"));
		assertThat(used.command().argv()).containsExactly("java", "-XX:AOTCache=" + cache.archive(key), "-jar",
				"app.jar");
		assertThat(used.summary()).startsWith("the new process uses the AOT cache " + cache.archive(key));

		ClassDataCache jdk17 = cache(new ClassDataCache.Runtime(this.jdk25.home(), "17.0.15+6", 17));
		String key17 = train(jdk17, command("-jar", "app.jar"));
		assertThat(jdk17.apply(command("-jar", "app.jar")).command().argv()).containsExactly("java",
				"-XX:SharedArchiveFile=" + jdk17.archive(key17), "-jar", "app.jar");
	}

	@Test
	void theOptionAnEarlierProcessGotIsNeitherTheUsersNorRepeated() throws IOException {
		ClassDataCache cache = cache(this.jdk25);
		String key = train(cache, command("-jar", "app.jar"));
		List<String> restarted = cache.apply(command("-jar", "app.jar")).command().argv();
		ChildCommand again = new ChildCommand(restarted, Map.of(), this.app);
		assertThat(cache.plan(again).key()).isEqualTo(key);
		assertThat(cache.apply(again).command().argv()).isEqualTo(restarted);
	}

	@Test
	void theUsersOwnClassDataOptionsAreLeftAlone() throws IOException {
		ClassDataCache cache = cache(this.jdk25);
		train(cache, command("-jar", "app.jar"));
		for (String option : List.of("-XX:SharedArchiveFile=/srv/app.jsa", "-XX:AOTCache=/srv/app.aot",
				"-XX:AOTCacheOutput=/srv/app.aot", "-XX:ArchiveClassesAtExit=/srv/app.jsa", "-Xshare:off",
				"-XX:+AutoCreateSharedArchive", "-XX:AOTMode=record")) {
			ClassDataCache.Applied applied = cache.apply(command(option, "-jar", "app.jar"));
			assertThat(applied.command().argv()).as(option).containsExactly("java", option, "-jar", "app.jar");
			assertThat(applied.summary()).contains("the command sets " + option + " itself");
		}
		ChildCommand variable = new ChildCommand(List.of("java", "-jar", "app.jar"),
				Map.of("JAVA_TOOL_OPTIONS", "-Xmx1g -XX:AOTCache=/srv/app.aot"), this.app);
		assertThat(cache.apply(variable).summary()).contains("-XX:AOTCache=/srv/app.aot (in JAVA_TOOL_OPTIONS)");
		// logging is not a class-data option, nor is an argument of the application
		assertThat(cache.plan(command("-Xlog:aot", "-jar", "app.jar", "-Xshare:off")).key()).isNotNull();
	}

	@Test
	void aCacheChangedAfterItWasWrittenIsRemovedNotUsed() throws IOException {
		ClassDataCache cache = cache(this.jdk25);
		String key = train(cache, command("-jar", "app.jar"));
		Files.writeString(cache.archive(key), "garbage", StandardOpenOption.APPEND);

		ClassDataCache.Applied applied = cache.apply(command("-jar", "app.jar"));
		assertThat(applied.command().argv()).containsExactly("java", "-jar", "app.jar");
		assertThat(applied.summary()).contains("changed after it was written: removed");
		assertThat(cache.archive(key)).doesNotExist();
	}

	@Test
	void aRebuiltJarMeetsNoCache() throws IOException {
		ClassDataCache cache = cache(this.jdk25);
		train(cache, command("-jar", "app.jar"));
		later(this.jar);
		assertThat(cache.apply(command("-jar", "app.jar")).command().argv()).containsExactly("java", "-jar",
				"app.jar");
	}

	@Test
	void theDirectoryKeepsTheBuildsUsedLast() throws IOException {
		ClassDataCache cache = new ClassDataCache(this.dir.resolve("cache"), 2, this.jdk25);
		List<String> keys = new ArrayList<>();
		long earlier = System.currentTimeMillis() - 10_000;
		for (String heap : List.of("-Xmx1m", "-Xmx2m", "-Xmx3m")) {
			String key = train(cache, command(heap, "-jar", "app.jar")); // the third removes the first
			Files.setLastModifiedTime(cache.directory().resolve(key + ".ok"),
					FileTime.fromMillis(earlier + 1000L * keys.size()));
			keys.add(key);
		}
		Path abandoned = Files.writeString(cache.directory().resolve(keys.get(1) + ".tmp4242.aot"), "half");
		Files.setLastModifiedTime(abandoned, FileTime.fromMillis(
				System.currentTimeMillis() - ClassDataCache.ABANDONED_AFTER.toMillis() - 1000));
		cache.prune();
		assertThat(abandoned).doesNotExist();
		assertThat(cache.archive(keys.get(0))).doesNotExist();
		assertThat(cache.archive(keys.get(1))).exists();
		assertThat(cache.archive(keys.get(2))).exists();
	}

	@Test
	void aDirectoryOthersMayWriteIsNotUsed() throws IOException {
		Path shared = Files.createDirectory(this.dir.resolve("shared"));
		Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
		ClassDataCache.Plan plan = new ClassDataCache(shared, 4, this.jdk25).plan(command("-jar", "app.jar"));
		assertThat(plan.key()).isNull();
		assertThat(plan.reason()).contains("cannot use " + shared);
	}

	@Test
	void theSideRunWritesTheCacheAtExitOnceItsContextIsRefreshed() {
		ClassDataCache cache = cache(this.jdk25);
		ClassDataTraining training = new ClassDataTraining(cache, null, () -> command("-jar", "app.jar"),
				java.time.Duration.ofMinutes(1));
		assertThat(training.argv(command("-Xmx256m", "-jar", "app.jar", "--a=b"), Path.of("/c/k.aot")))
			.containsExactly("java", "-XX:AOTCacheOutput=/c/k.aot", "-Dspring.context.exit=onRefresh",
					"-Dgrace.class-data.training=true", "-Dgrace.supervisor=off", "-Xmx256m", "-jar", "app.jar",
					"--a=b");
	}

	private ClassDataCache cache(ClassDataCache.Runtime runtime) {
		return new ClassDataCache(this.dir.resolve("cache"), 4, runtime);
	}

	private ChildCommand command(String... args) {
		List<String> argv = new ArrayList<>(List.of("java"));
		argv.addAll(List.of(args));
		return new ChildCommand(argv, Map.of(), this.app);
	}

	private static String train(ClassDataCache cache, ChildCommand command) throws IOException {
		String key = cache.plan(command).key();
		assertThat(key).isNotNull();
		Path trained = Files.writeString(cache.temporary(key), "cache of " + command.argv());
		cache.store(key, trained);
		return key;
	}

	private static void later(Path file) throws IOException {
		Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 2000));
	}

	private static Path jarWithClassPath(Path path, String classPath) throws IOException {
		Manifest manifest = new Manifest();
		manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
		manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, classPath);
		try (OutputStream out = Files.newOutputStream(path); JarOutputStream jar = new JarOutputStream(out, manifest)) {
			return path;
		}
	}

}
