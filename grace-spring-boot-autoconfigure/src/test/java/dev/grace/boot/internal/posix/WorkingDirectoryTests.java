package dev.grace.boot.internal.posix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which path a process takes for its working directory when it starts.
 */
class WorkingDirectoryTests {

	@TempDir
	Path dir;

	private Path current;

	private Path real;

	@BeforeEach
	void layout() throws IOException {
		this.real = Files.createDirectories(this.dir.resolve("releases/1")).toRealPath();
		this.current = Files.createSymbolicLink(this.dir.resolve("current"), Path.of("releases/1"));
	}

	@Test
	void aShellsPwdNamingThisDirectoryThroughALinkIsKept() {
		assertThat(WorkingDirectory.of(null, this.current.toString(), this.real).path()).isEqualTo(this.current);
	}

	@Test
	void aPwdNamingAnotherDirectoryIsStale() throws IOException {
		Path elsewhere = Files.createDirectories(this.dir.resolve("elsewhere"));
		assertThat(WorkingDirectory.of(null, elsewhere.toString(), this.real).path()).isEqualTo(this.real);
		assertThat(WorkingDirectory.of(null, "releases/1", this.real).path()).isEqualTo(this.real);
		assertThat(WorkingDirectory.of(null, "/no/such/dir", this.real).path()).isEqualTo(this.real);
	}

	@Test
	void withoutPwdItIsTheRealDirectory() {
		assertThat(WorkingDirectory.of(null, null, this.real).path()).isEqualTo(this.real);
	}

	@Test
	void theConfiguredDirectoryComesFirst() {
		assertThat(WorkingDirectory.of(this.current, this.real.toString(), this.real).path()).isEqualTo(this.current);
	}

	@Test
	void thisProcesssDirectoryIsFound() throws IOException {
		assertThat(WorkingDirectory.atStartup(null, java.util.Map.of()).path())
			.isEqualTo(Path.of("").toAbsolutePath().toRealPath());
	}

}
