package dev.grace.boot.internal.classdata;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.grace.boot.internal.posix.ChildCommand;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class ClassDataTrainingTests {

	/**
	 * Every thread of a side run's JVM runs in SCHED_IDLE at nice 19, those it made before
	 * anyone could renice it (GC, compiler) included; the thread that asked stays as it
	 * was, and so does the one that waits for the side run's exit (lowered, a busy machine
	 * left the exited side run a zombie for seconds).
	 */
	@Test
	void aSideRunStartsWithEveryThreadAtTheLowestPriority(@TempDir Path dir) throws Exception {
		Path java = Path.of(System.getProperty("java.home"), "bin", "java");
		ChildCommand command = new ChildCommand(List.of(java.toString(), "-Xshare:auto", "-cp",
				System.getProperty("java.class.path"), Sleeper.class.getName()), System.getenv(), dir);
		int before = nice(Path.of("/proc/thread-self"));
		int policyBefore = policy(Path.of("/proc/thread-self"));
		ClassDataTraining.Started started = ClassDataTraining.startNiced(command, dir.resolve("side-run.log"));
		Process process = started.process();
		try {
			Path tasks = Path.of("/proc", Long.toString(process.pid()), "task");
			// the JVM has made its GC and compiler threads once main runs
			await().until(() -> taskCount(tasks) >= 8);
			Map<String, Integer> nice = new TreeMap<>();
			try (Stream<Path> each = Files.list(tasks)) {
				each.forEach((task) -> nice.put(name(task), nice(task)));
			}
			assertThat(nice).as("nice of each thread of the side run").allSatisfy((name, value) -> assertThat(value)
				.as(name)
				.isEqualTo(19));
			assertThat(started.idle()).isTrue();
			Map<String, Integer> policy = new TreeMap<>();
			try (Stream<Path> each = Files.list(tasks)) {
				each.forEach((task) -> policy.put(name(task), policy(task)));
			}
			assertThat(policy).as("scheduling policy of each thread of the side run")
				.allSatisfy((name, value) -> assertThat(value).as(name).isEqualTo(SCHED_IDLE));
			assertThat(nice(Path.of("/proc/thread-self"))).as("the test's own thread").isEqualTo(before);
			assertThat(policy(Path.of("/proc/thread-self"))).as("the test's own thread").isEqualTo(policyBefore);
			// the lowered thread that started it ends; no thread of this JVM stays lowered,
			// the one that waits for the side run's exit included
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(lowered(Path.of("/proc/self/task"), before, policyBefore))
					.as("threads of this JVM at SCHED_IDLE or nice 19, with their policy")
					.isEmpty());
			assertThat(Files.isDirectory(Path.of("/proc", Long.toString(process.pid())))).as("the side run, running")
				.isTrue();
			assertThat(Path.of("/proc", Long.toString(process.pid()), "cwd", "side-run.log"))
				.as("the side run's output, in its directory").isRegularFile();
		}
		finally {
			process.destroyForcibly().waitFor();
		}
		assertThat(process.exitValue()).as("exit value of a process killed by SIGKILL").isEqualTo(128 + 9);
		assertThat(Path.of("/proc", Long.toString(process.pid()))).as("the side run, reaped").doesNotExist();
	}

	// lower than the test's own thread was: a build may run at nice 19 itself
	private static Map<String, Integer> lowered(Path tasks, int nice, int policy) throws IOException {
		Map<String, Integer> lowered = new TreeMap<>();
		try (Stream<Path> each = Files.list(tasks)) {
			// a thread that ends while we look is not lowered
			each.filter((task) -> (statField(task, 41, policy) == SCHED_IDLE && policy != SCHED_IDLE)
					|| statField(task, 19, nice) > nice)
				.forEach((task) -> lowered.put(name(task), policy(task)));
		}
		return lowered;
	}

	@Test
	void theSideRunsExtractAFatJarFirstAndTrainItsCopy(@TempDir Path dir) throws Exception {
		Fixture fixture = new Fixture(dir, 0);
		fixture.training().train();
		ChildCommand release = fixture.release();
		ExtractedLayout.Source source = fixture.layout().source(release);
		Path copy = fixture.layout().copy(source);
		assertThat(copy).as("the copy of the deployed jar").isNotNull().hasContent("extracted");
		ChildCommand launched = fixture.layout().launch(release);
		String key = fixture.cache().plan(launched).key();
		assertThat(fixture.cache().validity(key)).as("the copy's cache").isNull();
		assertThat(Files.readAllLines(fixture.calls())).containsExactly(
				"-Dgrace.class-data.training=true -Djarmode=tools -jar " + source.jar() + " extract --destination " + fixture.layout().temporary(source),
				"-XX:AOTCacheOutput=" + fixture.cache().temporary(key)
						+ " -Dspring.context.exit=onRefresh -Dgrace.class-data.training=true -Dgrace.supervisor=off"
						+ " -jar " + copy);
		assertThat(fixture.cache().plan(release).key()).as("the fat jar's own key").isNotEqualTo(key);
	}

	@Test
	void aFailedExtractionIsNotRepeatedAndTheFatJarItselfIsTrained(@TempDir Path dir) throws Exception {
		Fixture fixture = new Fixture(dir, 3);
		fixture.training().train();
		ExtractedLayout.Source source = fixture.layout().source(fixture.release());
		assertThat(fixture.layout().failed(source)).isTrue();
		assertThat(fixture.layout().launch(fixture.release())).isNull();
		String key = fixture.cache().plan(fixture.release()).key();
		assertThat(fixture.cache().validity(key)).isNull();
		fixture.training().train();
		assertThat(Files.readAllLines(fixture.calls())).hasSize(2)
			.last()
			.asString()
			.endsWith("-jar app.jar");
	}

	/**
	 * A fat jar, and a java that extracts it (exiting with {@code extractExit}) or writes
	 * a cache, noting each command.
	 */
	private record Fixture(ClassDataTraining training, ClassDataCache cache, ExtractedLayout layout,
			ChildCommand release, Path calls) {

		Fixture(Path dir, int extractExit) throws IOException {
			this(dir, Files.createDirectories(dir.resolve("app")), dir.resolve("cache"), extractExit);
		}

		private Fixture(Path dir, Path app, Path cacheDirectory, int extractExit) throws IOException {
			this(dir, app, cacheDirectory, new ClassDataCache(cacheDirectory, 4,
					new ClassDataCache.Runtime(Path.of(System.getProperty("java.home")), "25.0.3+9-LTS", 25)),
					new ExtractedLayout(cacheDirectory, 4), extractExit);
		}

		private Fixture(Path dir, Path app, Path cacheDirectory, ClassDataCache cache, ExtractedLayout layout,
				int extractExit) throws IOException {
			this(training(cache, layout, release(dir, app, extractExit)), cache, layout, release(dir, app, extractExit),
					dir.resolve("calls"));
		}

		private static ChildCommand release(Path dir, Path app, int extractExit) throws IOException {
			Path java = dir.resolve("java");
			if (!Files.exists(java)) {
				Files.writeString(java, """
						#!/bin/sh
						echo "$*" >> %s
						if [ "$2" = -Djarmode=tools ]; then
						  [ %d = 0 ] || exit %d
						  mkdir -p "$7/lib" && echo extracted > "$7/app.jar"
						  exit 0
						fi
						echo cache > "${1#-XX:AOTCacheOutput=}"
						""".formatted(dir.resolve("calls"), extractExit, extractExit));
				java.toFile().setExecutable(true);
				Manifest manifest = new Manifest();
				manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
				manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, ExtractedLayout.JAR_LAUNCHER);
				try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(app.resolve("app.jar")),
						manifest)) {
					jar.putNextEntry(new JarEntry(ExtractedLayout.TOOLS_PREFIX + "4.0.7.jar"));
					jar.closeEntry();
				}
			}
			return new ChildCommand(List.of(java.toString(), "-jar", "app.jar"), Map.of(), app);
		}

		private static ClassDataTraining training(ClassDataCache cache, ExtractedLayout layout, ChildCommand release) {
			// a clock two seconds on at each look, a process using no CPU: always quiet
			AtomicLong clock = new AtomicLong();
			QuietPeriods quiet = new QuietPeriods(() -> 0, () -> clock.addAndGet(2_000_000_000L));
			return new ClassDataTraining(cache, layout, () -> release, Duration.ofMinutes(1),
					new SideRunPacer(quiet, SideRunPacer.Signals.POSIX, System::nanoTime, Duration.ofMinutes(1)));
		}

	}

	private static long taskCount(Path tasks) throws IOException {
		try (Stream<Path> each = Files.list(tasks)) {
			return each.count();
		}
	}

	private static String name(Path task) {
		try {
			return task.getFileName() + " " + Files.readString(task.resolve("comm")).trim();
		}
		catch (IOException ex) {
			return task.getFileName().toString();
		}
	}

	private static final int SCHED_IDLE = 5;

	// field 19 of stat, counted after the command name, which may hold spaces
	private static int nice(Path task) {
		return statField(task, 19, 19);
	}

	// field 41 of stat
	private static int policy(Path task) {
		return statField(task, 41, SCHED_IDLE);
	}

	private static int statField(Path task, int field, int whenGone) {
		try {
			String stat = Files.readString(task.resolve("stat"));
			List<String> fields = List.of(stat.substring(stat.lastIndexOf(')') + 2).split(" "));
			return Integer.parseInt(fields.get(field - 3));
		}
		catch (IOException ex) {
			return whenGone; // the thread ended while we looked
		}
	}

	/** A JVM that waits to be killed. */
	public static final class Sleeper {

		public static void main(String[] args) throws InterruptedException {
			Thread.sleep(60_000);
		}

	}

}
