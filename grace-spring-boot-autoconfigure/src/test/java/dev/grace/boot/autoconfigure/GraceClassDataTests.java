package dev.grace.boot.autoconfigure;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

import dev.grace.boot.internal.posix.ChildCommand;

import static org.assertj.core.api.Assertions.assertThat;

class GraceClassDataTests {

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(GraceAutoConfiguration.class));

	@Test
	void onByDefaultInADirectoryOfTheUsers() {
		this.runner.run((context) -> {
			ClassDataProperties properties = context.getBean(ClassDataProperties.class);
			assertThat(properties.enabled()).isTrue();
			assertThat(properties.directory()).isNull();
			assertThat(properties.maxEntries()).isEqualTo(4);
			assertThat(properties.extract()).isTrue();
			assertThat(context).hasSingleBean(GraceClassData.class);
		});
	}

	@Test
	void offLeavesTheCommandAsItIs() {
		this.runner.withPropertyValues("grace.class-data.enabled=false").run((context) -> {
			GraceClassData classData = context.getBean(GraceClassData.class);
			ChildCommand command = new ChildCommand(List.of("java", "-jar", "app.jar"), Map.of());
			assertThat(classData.commands(() -> command).get()).isSameAs(command);
			assertThat(classData.launch().apply(command)).isSameAs(command);
		});
	}

	@Test
	void aRelativeDirectoryFailsNamingTheProperty() {
		this.runner.withPropertyValues("grace.class-data.directory=cache").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessage("grace.class-data.directory must be an absolute path, but was cache");
		});
	}

}
