package dev.grace.boot.internal.classdata;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class ClassDataTrainingTests {

	/**
	 * Every thread of a side run's JVM runs in SCHED_IDLE at nice 19, those it made before
	 * anyone could renice it (GC, compiler) included; the thread that asked stays as it
	 * was.
	 */
	@Test
	void aSideRunStartsWithEveryThreadAtTheLowestPriority() throws Exception {
		Path java = Path.of(System.getProperty("java.home"), "bin", "java");
		// no pipes: the JDK closes a process's pipes on its own thread once it exits, which
		// other tests of this JVM that compare its descriptors would see
		ProcessBuilder builder = new ProcessBuilder(java.toString(), "-Xshare:auto", "-cp",
				System.getProperty("java.class.path"), Sleeper.class.getName())
			.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
			.redirectOutput(ProcessBuilder.Redirect.DISCARD)
			.redirectError(ProcessBuilder.Redirect.DISCARD);
		int before = nice(Path.of("/proc/thread-self"));
		int policyBefore = policy(Path.of("/proc/thread-self"));
		ClassDataTraining.Started started = ClassDataTraining.startNiced(builder);
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
		}
		finally {
			process.destroyForcibly().waitFor();
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
