package dev.grace.boot.autoconfigure;

import java.io.File;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.ApplicationPidFileWriter;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.test.context.support.TestPropertySourceUtils;

import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNoException;

class GraceApplicationListenerTests {

	@TempDir
	Path dir;

	@Test
	void bootsPidFileWriterOnTheSameFileIsRefusedWithTheReason() {
		Path file = this.dir.resolve("app.pid");
		SpringApplication application = new SpringApplication();
		application.addListeners(new ApplicationPidFileWriter(file.toFile()));

		assertThatIllegalStateException()
			.isThrownBy(() -> GraceApplicationListener.checkPidFiles(application, environment("grace.pid-file=" + file)))
			.withMessageContaining("grace.pid-file and Spring Boot's ApplicationPidFileWriter both write " + file)
			.withMessageContaining("deletes it when a process exits");
	}

	@Test
	void bootsPidFileWriterIsFoundThroughItsPropertyToo() {
		Path file = this.dir.resolve("app.pid");
		SpringApplication application = new SpringApplication();
		application.addListeners(new ApplicationPidFileWriter());

		assertThatIllegalStateException().isThrownBy(() -> GraceApplicationListener.checkPidFiles(application,
				environment("grace.pid-file=" + file, "spring.pid.file=" + file)));
	}

	@Test
	void differentFilesOrNoWriterAreFine() {
		SpringApplication application = new SpringApplication();
		application.addListeners(new ApplicationPidFileWriter(new File(this.dir.toFile(), "boot.pid")));
		assertThatNoException().isThrownBy(() -> GraceApplicationListener.checkPidFiles(application,
				environment("grace.pid-file=" + this.dir.resolve("grace.pid"))));
		assertThatNoException().isThrownBy(() -> GraceApplicationListener.checkPidFiles(new SpringApplication(),
				environment("grace.pid-file=" + this.dir.resolve("grace.pid"))));
	}

	private static StandardEnvironment environment(String... properties) {
		StandardEnvironment environment = new StandardEnvironment();
		TestPropertySourceUtils.addInlinedPropertiesToEnvironment(environment, properties);
		return environment;
	}

}
