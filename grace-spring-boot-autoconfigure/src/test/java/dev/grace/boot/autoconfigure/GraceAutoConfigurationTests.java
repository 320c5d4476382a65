package dev.grace.boot.autoconfigure;

import java.nio.file.Path;

import io.micrometer.core.instrument.binder.MeterBinder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

import dev.grace.boot.actuate.GraceEndpoint;
import dev.grace.boot.actuate.GraceHealthIndicator;
import dev.grace.boot.actuate.GraceInfoContributor;
import dev.grace.boot.actuate.GraceMeterBinder;
import dev.grace.boot.internal.RestartHistory;
import dev.grace.boot.internal.Restarter;
import dev.grace.boot.internal.ServiceManager;
import dev.grace.boot.internal.posix.StartPriority;
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
	void memoryHeadroomIsOneProcessByDefaultAndZeroTurnsTheCheckOff() {
		this.runner.run((context) -> assertThat(context.getBean(GraceProperties.class).memoryHeadroom()).isEqualTo(1.0));
		this.runner.withPropertyValues("grace.memory-headroom=0")
			.run((context) -> assertThat(context).hasNotFailed());
		this.runner.withPropertyValues("grace.memory-headroom=-1").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessage("grace.memory-headroom must be a factor such as 1.0 (0 turns the check off), but was -1.0");
		});
	}

	@Test
	void newProcessesStartTenNiceStepsHigherAndAnOutOfRangeBoostFailsNamingTheProperty() {
		this.runner.run((context) -> assertThat(context).hasSingleBean(ServiceManager.class)
			.hasSingleBean(StartPriority.class)
			.getBean(GraceProperties.class)
			.extracting(GraceProperties::startPriorityBoost)
			.isEqualTo(10));
		this.runner.withPropertyValues("grace.start-priority-boost=0")
			.run((context) -> assertThat(context).hasNotFailed());
		this.runner.withPropertyValues("grace.start-priority-boost=40").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessage("grace.start-priority-boost must be a number of nice steps from 0 (off) to 39, such as 10, "
						+ "but was 40");
		});
	}

	@Test
	void longLivedConnectionsGetANoticeOfOneSecondAndANegativeOneFailsNamingTheProperty() {
		this.runner.run((context) -> {
			GraceProperties.LongLived longLived = context.getBean(GraceProperties.class).longLived();
			assertThat(longLived.notice()).hasSeconds(1);
			assertThat(longLived.streamTypes()).containsExactly("text/event-stream");
		});
		this.runner.withPropertyValues("grace.long-lived.notice=0").run((context) -> assertThat(context).hasNotFailed());
		this.runner.withPropertyValues("grace.long-lived.notice=-1s").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessage("grace.long-lived.notice must be a duration such as 1s (0 ends them at once), but was PT-1S");
		});
	}

	@Test
	void servletApplicationsEndTheirEmittersAsCompletedAndReactiveOnesCompleteTheirFluxes() {
		this.runner.run((context) -> assertThat(context).hasSingleBean(EndedStreamsConfigurer.class)
			.doesNotHaveBean(EndedFluxStreams.class));
		new ReactiveWebApplicationContextRunner().withConfiguration(AutoConfigurations.of(GraceAutoConfiguration.class))
			.run((context) -> assertThat(context).hasSingleBean(EndedFluxStreams.class)
				.doesNotHaveBean(EndedStreamsConfigurer.class));
	}

	@Test
	void invalidTimeoutFailsNamingTheProperty() {
		this.runner.withPropertyValues("grace.ready-timeout=-5s").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("grace.ready-timeout must be a positive duration");
		});
	}

	@Test
	void metersHealthAndInfoWhenTheirLibrariesArePresent() {
		this.runner.run((context) -> assertThat(context).hasSingleBean(GraceMeterBinder.class)
			.hasSingleBean(GraceHealthIndicator.class)
			.hasSingleBean(GraceInfoContributor.class)
			.hasSingleBean(RestartHistory.class)
			.hasBean("graceHealthIndicator"));
		this.runner.withClassLoader(new FilteredClassLoader(MeterBinder.class))
			.run((context) -> assertThat(context).hasSingleBean(Restarter.class)
				.doesNotHaveBean(GraceMeterBinder.class));
	}

	@Test
	void healthAndInfoCanBeTurnedOffLikeBootsOwn() {
		this.runner.withPropertyValues("management.health.grace.enabled=false", "management.info.grace.enabled=false")
			.run((context) -> assertThat(context).hasSingleBean(GraceMeterBinder.class)
				.doesNotHaveBean(GraceHealthIndicator.class)
				.doesNotHaveBean(GraceInfoContributor.class));
	}

	@Test
	void noMetersWhenRestartsAreOff() {
		this.runner.withPropertyValues("grace.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(GraceMeterBinder.class)
				.doesNotHaveBean(GraceHealthIndicator.class));
	}

}
