package dev.grace.boot.internal.posix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.grace.boot.internal.posix.ReleaseCheck.Checked;
import dev.grace.boot.restart.RestartRefusedException;
import dev.grace.boot.restart.RestartRelease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A releases directory with a {@code current} symlink, as a deploy script leaves it: what
 * the next process runs is read through the link as it points now, and a jar that did not
 * change says so.
 */
class ReleaseCheckTests {

	@TempDir
	Path dir;

	private Path current;

	private ReleaseCheck check;

	@BeforeEach
	void releaseOneRuns() throws IOException {
		release(1);
		release(2);
		this.current = Files.createSymbolicLink(this.dir.resolve("current"), Path.of("releases/1"));
		this.check = new ReleaseCheck(ReleaseCheck.Stamp.of(this.current.resolve("app.jar")));
	}

	@Test
	void aRepointedLinkIsFollowedToTheNewRelease() throws IOException {
		PosixSpawnerTests.repoint(this.current, "releases/2");

		Checked checked = this.check.check(command("-jar", "app.jar"));

		Path real = this.dir.toRealPath();
		assertThat(checked.release()).isEqualTo(new RestartRelease(this.current.toString(),
				real.resolve("releases/2").toString(), this.current.resolve("app.jar").toString(),
				real.resolve("releases/2/app.jar").toString(), false));
		assertThat(checked.summary()).isEqualTo("New process runs jar " + this.current + "/app.jar -> " + real
				+ "/releases/2/app.jar in " + this.current + " -> releases/2");
	}

	@Test
	void theSameJarFileSaysNothingNewIsDeployed() {
		Checked checked = this.check.check(command("-Xmx64m", "-jar", "app.jar", "--server.port=0"));

		assertThat(checked.release().sameJar()).isTrue();
		assertThat(checked.summary()).endsWith("; the jar is the one this process runs (same real path, size and "
				+ "modification time as when it started): no new code is deployed");
	}

	@Test
	void aJarReplacedAtTheSamePathIsANewOne() throws IOException {
		Path jar = this.dir.resolve("releases/1/app.jar");
		Path replacement = Files.writeString(this.dir.resolve("releases/1/app.jar.tmp"), "jar 1");
		Files.setLastModifiedTime(replacement, FileTime.from(Instant.now().plusSeconds(60)));
		Files.move(replacement, jar, java.nio.file.StandardCopyOption.ATOMIC_MOVE);

		assertThat(this.check.check(command("-jar", "app.jar")).release().sameJar()).isFalse();
	}

	@Test
	void anAbsoluteJarIsNotResolvedAgainstTheDirectory() throws IOException {
		Path jar = this.dir.toRealPath().resolve("releases/2/app.jar");

		RestartRelease release = this.check.check(command("-jar", jar.toString())).release();

		assertThat(release.jar()).isEqualTo(jar.toString());
		assertThat(release.sameJar()).isFalse();
	}

	@Test
	void aRemovedReleaseIsRefused() throws IOException {
		PosixSpawnerTests.repoint(this.current, "releases/3");

		assertThatExceptionOfType(RestartRefusedException.class)
			.isThrownBy(() -> this.check.check(command("-jar", "app.jar")))
			.withMessage("working directory " + this.current + " -> releases/3 does not exist (a removed release?)");
	}

	@Test
	void aMissingJarIsRefused() {
		assertThatExceptionOfType(RestartRefusedException.class)
			.isThrownBy(() -> this.check.check(command("-jar", "other.jar")))
			.withMessage("jar " + this.current + "/other.jar does not exist");
	}

	@Test
	void aMainClassRunsNoJar() {
		Checked checked = this.check.check(command("-cp", "app.jar", "com.example.Main"));

		assertThat(checked.release().jar()).isNull();
		assertThat(checked.release().sameJar()).isFalse();
		assertThat(checked.summary()).endsWith(" (no -jar on its command line)");
	}

	private ChildCommand command(String... args) {
		List<String> argv = new java.util.ArrayList<>(List.of("/usr/bin/java"));
		argv.addAll(List.of(args));
		return new ChildCommand(argv, Map.of()).in(new WorkingDirectory(this.current));
	}

	private void release(int n) throws IOException {
		Path release = Files.createDirectories(this.dir.resolve("releases/" + n));
		Files.writeString(release.resolve("app.jar"), "jar " + n);
	}

}
