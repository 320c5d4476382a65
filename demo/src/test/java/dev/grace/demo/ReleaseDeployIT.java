package dev.grace.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import dev.grace.demo.support.DemoProcess;
import dev.grace.demo.support.GraceStatus;
import dev.grace.demo.support.Json;
import dev.grace.demo.support.MixedLoad;
import dev.grace.demo.support.MixedLoad.Sample;
import dev.grace.demo.support.Processes;
import dev.grace.demo.support.RawHttp;
import dev.grace.demo.support.RawHttp.Response;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A deploy as most scripts do it: {@code releases/N/app.jar} with its
 * {@code releases/N/config/application.yml}, a {@code current} symlink re-pointed
 * atomically, then SIGUSR2. The new process must run the new release (its jar and its
 * {@code ./config}), in its directory, without a failed request; a release that was
 * removed must refuse the restart and leave the process serving. Started from a shell
 * ({@code cd current && java -jar app.jar}) and the way systemd starts a unit with
 * {@code WorkingDirectory=}: in the directory the link named then, with no {@code PWD}.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ReleaseDeployIT {

	private static final Duration STATUS_TIMEOUT = Duration.ofSeconds(30);

	// release 1 and release 2 of the demo: different jars, built once
	@TempDir
	static Path jars;

	@TempDir
	Path root;

	@BeforeAll
	static void buildReleases() throws IOException {
		for (String release : List.of("1", "2")) {
			jarWithRelease(DemoProcess.jar(), jars.resolve(release + ".jar"), release);
		}
	}

	@Test
	void aShellStartFollowsTheRepointedLinkAndARemovedReleaseIsRefused() throws Exception {
		Path current = releases();
		Path two = this.root.resolve("releases/2").toRealPath();
		try (DemoProcess demo = DemoProcess.start(Path.of("app.jar"), DemoProcess.freePort(), DemoProcess.freePort(),
				Map.of(), "cd '" + current + "'")) {
			long pid = assertRelease(demo.awaitGeneration(1, DemoProcess.START_TIMEOUT), "1");
			assertThat(environment(pid)).containsEntry("PWD", current.toString());
			long next;
			long restartMillis;
			List<Sample> samples;
			try (MixedLoad load = new MixedLoad(demo.port(), demo.managementPort(), 2, 1000)) {
				load.awaitEveryKindServed();
				repoint(current, "releases/2");
				long signalled = System.nanoTime();
				Processes.signal(pid, Processes.SIGUSR2);
				assertStatusShowsRelease(demo, pid, current, two);
				next = assertRelease(demo.awaitGeneration(2, DemoProcess.HANDOVER_TIMEOUT), "2");
				restartMillis = (System.nanoTime() - signalled) / 1_000_000;
				assertThat(demo.awaitExit(pid, DemoProcess.HANDOVER_TIMEOUT)).as("exit code of pid " + pid).hasValue(0);
				load.awaitEveryKindServed();
				samples = load.stop();
			}
			assertThat(samples.stream().filter(Sample::failed).toList()).as("failed of " + samples.size()).isEmpty();
			Set<Long> pids = samples.stream().map(Sample::pid).filter((p) -> p > 0).collect(Collectors.toSet());
			assertThat(pids).containsExactlyInAnyOrder(pid, next);
			assertThat(cwd(next)).isEqualTo(two);
			assertThat(environment(next)).containsEntry("PWD", current.toString());
			assertThat(demo.log()).contains("New process runs jar " + current + "/app.jar -> " + two + "/app.jar in "
					+ current + " -> releases/2" + System.lineSeparator());
			System.out.println("ReleaseDeployIT (shell): signal -> release 2 serving " + restartMillis + " ms, "
					+ samples.size() + " requests, 0 failed, pids " + new TreeSet<>(pids));

			// release 2 cleaned up after current was pointed at a release that never came
			repoint(current, "releases/3");
			deleteTree(this.root.resolve("releases/2"));
			Processes.signal(next, Processes.SIGUSR2);
			GraceStatus failed = GraceStatus.await(demo.managementPort(),
					(status) -> status.hasLastRestart() && "FAILED".equals(status.outcome()), STATUS_TIMEOUT);
			String reason = "working directory " + current + " -> releases/3 does not exist (a removed release?)";
			assertThat(failed.reason()).isEqualTo(reason);
			assertThat(failed.pid()).isEqualTo(next);
			assertThat(failed.state()).isEqualTo("SERVING");
			assertThat(failed.childPid()).isEqualTo(-1);
			demo.awaitLog("Restart failed, still serving: " + reason, STATUS_TIMEOUT);
			assertRelease(RawHttp.get(demo.port(), "/"), "2");
			assertThat(RawHttp.get(demo.port(), "/").jsonLong("pid")).isEqualTo(next);
			assertThat(demo.livePids()).containsExactly(next);
		}
	}

	@Test
	void aSystemdStartWithThePropertyFollowsTheRepointedLink() throws Exception {
		Path current = releases();
		Path one = current.toRealPath();
		Path two = this.root.resolve("releases/2").toRealPath();
		// systemd resolves WorkingDirectory= once, changes into that directory and sets no PWD
		try (DemoProcess demo = DemoProcess.start(Path.of("app.jar"), DemoProcess.freePort(), DemoProcess.freePort(),
				Map.of(), "cd '" + one + "' && unset PWD", "--grace.working-directory=" + current)) {
			long pid = assertRelease(demo.awaitGeneration(1, DemoProcess.START_TIMEOUT), "1");
			assertThat(environment(pid)).doesNotContainKey("PWD");
			assertThat(cwd(pid)).isEqualTo(one);

			repoint(current, "releases/2");
			long signalled = System.nanoTime();
			Processes.signal(pid, Processes.SIGUSR2);
			long next = assertRelease(demo.awaitGeneration(2, DemoProcess.HANDOVER_TIMEOUT), "2");
			long restartMillis = (System.nanoTime() - signalled) / 1_000_000;
			assertThat(demo.awaitExit(pid, DemoProcess.HANDOVER_TIMEOUT)).as("exit code of pid " + pid).hasValue(0);
			assertThat(cwd(next)).isEqualTo(two);
			assertThat(environment(next)).containsEntry("PWD", current.toString());

			// a restart that deploys nothing says so, from a process that a restart started
			Processes.signal(next, Processes.SIGUSR2);
			GraceStatus same = assertStatusShowsRelease(demo, next, current, two);
			assertThat(Json.string(same.tree(), "/lastRestart/release/workingDirectoryRealPath"))
				.isEqualTo(two.toString());
			assertThat(same.tree().at("/lastRestart/release/sameJar").booleanValue()).isTrue();
			long third = assertRelease(demo.awaitGeneration(3, DemoProcess.HANDOVER_TIMEOUT), "2");
			assertThat(demo.awaitExit(next, DemoProcess.HANDOVER_TIMEOUT)).as("exit code of pid " + next).hasValue(0);
			assertThat(demo.log()).contains("New process runs jar " + current + "/app.jar -> " + two + "/app.jar in "
					+ current + " -> releases/2; the jar is the one this process runs (same real path, size and "
					+ "modification time as when it started): no new code is deployed");
			assertThat(demo.livePids()).containsExactly(third);
			System.out.println("ReleaseDeployIT (systemd): signal -> release 2 serving " + restartMillis + " ms");
		}
	}

	@Test
	void aWorkingDirectoryThatDoesNotExistFailsTheStart() {
		Path missing = this.root.resolve("current");
		try (DemoProcess demo = DemoProcess.start("--grace.working-directory=" + missing)) {
			assertThat(demo.awaitFirstExit(DemoProcess.START_TIMEOUT)).isEqualTo(1);
			assertThat(demo.log()).contains("APPLICATION FAILED TO START",
					"grace.working-directory=" + missing + " does not exist");
		}
	}

	// releases/1 and releases/2, each with its jar and ./config, and current -> releases/1
	private Path releases() throws IOException {
		for (String release : List.of("1", "2")) {
			Path dir = Files.createDirectories(this.root.resolve("releases/" + release + "/config"));
			Files.writeString(dir.resolve("application.yml"), "demo:\n  config-release: \"" + release + "\"\n");
			Files.createLink(dir.resolveSibling("app.jar"), jars.resolve(release + ".jar"));
		}
		return Files.createSymbolicLink(this.root.resolve("current"), Path.of("releases/1"));
	}

	// what `ln -sfn releases/2 current.next && mv -T current.next current` does
	private static void repoint(Path link, String target) throws IOException {
		Path next = link.resolveSibling(link.getFileName() + ".next");
		Files.createSymbolicLink(next, Path.of(target));
		Files.move(next, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
	}

	private static long assertRelease(Response response, String release) {
		assertThat(response.jsonString("/release")).as("release in %s", response.text()).isEqualTo(release);
		assertThat(response.jsonString("/configRelease")).as("configRelease in %s", response.text())
			.isEqualTo(release);
		return response.jsonLong("pid");
	}

	// while the new process starts, the one restarting is the only one accepting
	private static GraceStatus assertStatusShowsRelease(DemoProcess demo, long pid, Path current, Path release) {
		GraceStatus status = GraceStatus.await(demo.managementPort(),
				(s) -> s.hasLastRestart() && s.tree().at("/lastRestart/release").isObject(), STATUS_TIMEOUT);
		JsonNode tree = status.tree();
		assertThat(status.pid()).isEqualTo(pid);
		assertThat(Json.string(tree, "/lastRestart/release/workingDirectory")).isEqualTo(current.toString());
		assertThat(Json.string(tree, "/lastRestart/release/workingDirectoryRealPath")).isEqualTo(release.toString());
		assertThat(Json.string(tree, "/lastRestart/release/jar")).isEqualTo(current + "/app.jar");
		assertThat(Json.string(tree, "/lastRestart/release/jarRealPath")).isEqualTo(release + "/app.jar");
		return status;
	}


	private static Path cwd(long pid) throws IOException {
		return Files.readSymbolicLink(Path.of("/proc/" + pid + "/cwd"));
	}

	private static Map<String, String> environment(long pid) throws IOException {
		String environ = Files.readString(Path.of("/proc/" + pid + "/environ"), StandardCharsets.UTF_8);
		return Arrays.stream(environ.split("\0"))
			.filter((entry) -> entry.indexOf('=') > 0)
			.collect(Collectors.toMap((entry) -> entry.substring(0, entry.indexOf('=')),
					(entry) -> entry.substring(entry.indexOf('=') + 1), (a, b) -> a));
	}

	private static void deleteTree(Path dir) throws IOException {
		try (Stream<Path> paths = Files.walk(dir)) {
			for (Path path : paths.sorted(Collections.reverseOrder()).toList()) {
				Files.delete(path);
			}
		}
	}

	// A different jar: the demo's entries copied one by one, and BOOT-INF/classes/release.txt.
	// Stored entries (the nested jars Boot's loader reads in place) stay stored, with
	// their sizes and CRC; deflated ones are deflated again.
	private static void jarWithRelease(Path source, Path target, String release) throws IOException {
		try (ZipFile zip = new ZipFile(source.toFile());
				OutputStream file = Files.newOutputStream(target);
				ZipOutputStream out = new ZipOutputStream(file)) {
			for (ZipEntry entry : Collections.list(zip.entries())) {
				ZipEntry copy = new ZipEntry(entry);
				if (copy.getMethod() == ZipEntry.DEFLATED) {
					copy.setCompressedSize(-1);
				}
				out.putNextEntry(copy);
				try (InputStream in = zip.getInputStream(entry)) {
					in.transferTo(out);
				}
				out.closeEntry();
			}
			byte[] text = (release + "\n").getBytes(StandardCharsets.UTF_8);
			CRC32 crc = new CRC32();
			crc.update(text);
			ZipEntry entry = new ZipEntry("BOOT-INF/classes/release.txt");
			entry.setMethod(ZipEntry.STORED);
			entry.setSize(text.length);
			entry.setCompressedSize(text.length);
			entry.setCrc(crc.getValue());
			out.putNextEntry(entry);
			out.write(text);
			out.closeEntry();
		}
	}

}
