package dev.grace.demo;

import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;

import dev.grace.boot.restart.RestartEvent;
import dev.grace.boot.restart.RestartHook;

/**
 * How an application takes part in its restarts: a {@link RestartHook} that refuses
 * to restart while a maintenance file exists ({@code demo.veto-file}), and a listener
 * that logs each step.
 */
@Configuration(proxyBeanMethods = false)
class RestartHooks {

	private static final Log logger = LogFactory.getLog(RestartHooks.class);

	@Bean
	RestartHook maintenanceVeto(@Value("${demo.veto-file:}") String vetoFile) {
		return () -> {
			if (!vetoFile.isEmpty() && Files.exists(Path.of(vetoFile))) {
				throw new IllegalStateException("maintenance file " + vetoFile + " exists");
			}
		};
	}

	@EventListener
	void onRestartStep(RestartEvent event) {
		logger.info("Restart step " + event.step() + ((event.childPid() > 0) ? " child " + event.childPid() : "")
				+ ((event.reason() != null) ? ": " + event.reason() : ""));
	}

}
