package dev.grace.boot.autoconfigure;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

import dev.grace.boot.actuate.GraceEndpoint;
import dev.grace.boot.internal.Restarter;
import dev.grace.boot.tomcat.GraceTomcatCustomizer;

import static org.assertj.core.api.Assertions.assertThat;

class GraceAutoConfigurationTests {

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(GraceAutoConfiguration.class));

	@Test
	void onByDefault() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(Restarter.class).hasSingleBean(GraceTomcatCustomizer.class);
			assertThat(context.getBean(GraceProperties.class).readyTimeout()).isNull();
			assertThat(context.getBean(Restarter.class).readyTimeout().isConfigured()).isFalse();
			assertThat(context.getBean(Restarter.class).readyTimeout().value()).hasSeconds(60);
		});
	}

	@Test
	void aReadyTimeoutThatIsSetWins() {
		this.runner.withPropertyValues("grace.ready-timeout=180s").run((context) -> {
			assertThat(context.getBean(Restarter.class).readyTimeout().isConfigured()).isTrue();
			assertThat(context.getBean(Restarter.class).readyTimeout().value()).hasSeconds(180);
		});
	}

	@Test
	void reactiveApplicationsOnTomcatToo() {
		new ReactiveWebApplicationContextRunner().withConfiguration(AutoConfigurations.of(GraceAutoConfiguration.class))
			.run((context) -> assertThat(context).hasSingleBean(Restarter.class)
				.hasSingleBean(GraceTomcatCustomizer.class));
	}

	@Test
	void notWithoutAWebServer() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(GraceAutoConfiguration.class))
			.run((context) -> assertThat(context).doesNotHaveBean(Restarter.class));
	}

	@Test
	void disabledLeavesTomcatAlone() {
		this.runner.withPropertyValues("grace.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(Restarter.class)
				.doesNotHaveBean(GraceTomcatCustomizer.class));
	}

	@Test
	void endpointOnlyWhenAccessIsGrantedAndExposed() {
		this.runner.run((context) -> assertThat(context).doesNotHaveBean(GraceEndpoint.class));
		this.runner
			.withPropertyValues("management.endpoint.grace.access=UNRESTRICTED",
					"management.endpoints.web.exposure.include=grace")
			.run((context) -> assertThat(context).hasSingleBean(GraceEndpoint.class));
	}

	@Test
	void workingDirectoryThatDoesNotExistFailsNamingTheProperty() {
		this.runner.withPropertyValues("grace.working-directory=/srv/no-such-app/current").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessage("grace.working-directory=/srv/no-such-app/current does not exist");
		});
		this.runner.withPropertyValues("grace.working-directory=current").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessage("grace.working-directory must be an absolute path such as /srv/app/current, but was current");
		});
	}

	@Test
	void workingDirectoryThatExists(@TempDir Path dir) {
		this.runner.withPropertyValues("grace.working-directory=" + dir)
			.run((context) -> assertThat(context.getBean(GraceProperties.class).workingDirectory()).isEqualTo(dir));
	}

	@Test
	void invalidTimeoutFailsNamingTheProperty() {
		this.runner.withPropertyValues("grace.ready-timeout=-5s").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("grace.ready-timeout must be a positive duration");
		});
	}

}
