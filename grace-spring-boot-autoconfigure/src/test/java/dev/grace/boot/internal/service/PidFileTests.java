package dev.grace.boot.internal.service;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.grace.boot.internal.ParentChannel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class PidFileTests {

	@TempDir
	Path dir;

	@Test
	void eachGenerationReplacesTheFileAtomicallyAndOnlyTheOwnerRemovesIt() throws Exception {
		Path path = this.dir.resolve("app.pid");
		PidFile first = new PidFile(path, "grace.pid-file", 100);
		PidFile second = new PidFile(path, "grace.pid-file", 200);

		first.serving(1, List.of(), ParentChannel.NONE);
		assertThat(PidFile.read(path)).isEqualTo(100);
		second.serving(2, List.of(), ParentChannel.NONE);
		assertThat(Files.readString(path)).isEqualTo("200\n");

		first.stopping();
		assertThat(PidFile.read(path)).as("a replaced process never removes it").isEqualTo(200);
		second.stopping();
		assertThat(path).doesNotExist();
		try (var files = Files.list(this.dir)) {
			assertThat(files).as("no temp file left").isEmpty();
		}
	}

	@Test
	void aDirectoryThatCannotBeWrittenIsReportedAtOnce() {
		assertThatIllegalStateException()
			.isThrownBy(() -> new PidFile(this.dir.resolve("missing/app.pid"), "grace.pid-file", 1))
			.withMessageContaining("grace.pid-file=")
			.withMessageContaining("is not a writable directory");
	}

	@Test
	void readingAMissingOrGarbledFileGivesNoPid() throws Exception {
		assertThat(PidFile.read(this.dir.resolve("none"))).isEqualTo(-1);
		assertThat(PidFile.read(Files.writeString(this.dir.resolve("bad"), "x\n"))).isEqualTo(-1);
	}

}
