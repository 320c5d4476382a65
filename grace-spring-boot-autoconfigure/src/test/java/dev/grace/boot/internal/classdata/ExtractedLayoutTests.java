package dev.grace.boot.internal.classdata;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.grace.boot.internal.posix.ChildCommand;

import static org.assertj.core.api.Assertions.assertThat;

class ExtractedLayoutTests {

	@TempDir
	Path dir;

	Path app;

	Path cacheDirectory;

	ExtractedLayout layout;

	@BeforeEach
	void build() throws IOException {
		this.app = Files.createDirectories(this.dir.resolve("app"));
		this.cacheDirectory = Files.createDirectories(this.dir.resolve("cache"));
		this.layout = new ExtractedLayout(this.cacheDirectory, 2);
	}

	@Test
	void onlyASpringBootFatJarWithItsToolsJarModeIsExtracted() throws IOException {
		fatJar("app.jar", ExtractedLayout.JAR_LAUNCHER, true);
		fatJar("notools.jar", ExtractedLayout.JAR_LAUNCHER, false);
		fatJar("plain.jar", "com.example.Main", true);
		ExtractedLayout.Source source = this.layout.source(command("-Xmx256m", "-jar", "app.jar", "--a=b"));
		assertThat(source).isNotNull();
		assertThat(source.argument()).isEqualTo("app.jar");
		assertThat(source.jar()).isEqualTo(this.app.resolve("app.jar").toRealPath());
		assertThat(this.layout.source(command("-jar", "notools.jar"))).isNull();
		assertThat(this.layout.source(command("-jar", "plain.jar"))).isNull();
		assertThat(this.layout.source(command("-jar", "missing.jar"))).isNull();
		assertThat(this.layout.source(command("-cp", "app.jar", "com.example.Main"))).isNull();
		assertThat(this.layout.extractArgv(command("-jar", "app.jar"), source, Path.of("/d"))).containsExactly("java",
				"-Dgrace.class-data.training=true", "-Djarmode=tools", "-jar", source.jar().toString(), "extract", "--destination", "/d");
	}

	@Test
	void aNewProcessRunsTheCopyOfTheDeployedJarAndItsRestartsStartFromTheDeployedJarAgain() throws IOException {
		fatJar("app.jar", ExtractedLayout.JAR_LAUNCHER, true);
		ChildCommand release = command("-Xmx256m", "-jar", "app.jar", "--a=b");
		assertThat(this.layout.launch(release)).as("before any copy is made").isNull();

		ExtractedLayout.Source source = this.layout.source(release);
		Path copy = extract(source);
		ChildCommand launched = this.layout.launch(release);
		assertThat(launched).isNotNull();
		assertThat(launched.argv()).containsExactly("java", "-Xmx256m", "-jar", copy.toString(), "--a=b");
		assertThat(launched.env()).containsEntry(ExtractedLayout.DEPLOYED_JAR, "app.jar").containsEntry("A", "1");
		assertThat(launched.directory()).isEqualTo(this.app);

		// the new process reads its command back: restarts start from the deployed jar
		ChildCommand deployed = this.layout.deployed(launched);
		assertThat(deployed.argv()).isEqualTo(release.argv());
		assertThat(deployed.env()).doesNotContainKey(ExtractedLayout.DEPLOYED_JAR).containsEntry("A", "1");
		assertThat(this.layout.deployed(release)).isSameAs(release);
	}

	@Test
	void aRedeployedJarIsRunAsItIsUntilItsOwnCopyIsMade() throws IOException {
		Path jar = fatJar("app.jar", ExtractedLayout.JAR_LAUNCHER, true);
		ChildCommand release = command("-jar", "app.jar");
		ExtractedLayout.Source first = this.layout.source(release);
		extract(first);
		assertThat(this.layout.launch(release)).isNotNull();

		Files.setLastModifiedTime(jar, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 60_000));
		ExtractedLayout.Source second = this.layout.source(release);
		assertThat(second.key()).isNotEqualTo(first.key());
		assertThat(this.layout.launch(release)).isNull();
		assertThat(this.layout.copy(second)).isNull();
	}

	@Test
	void aCopyWithoutItsMarkerOrWithAFailedExtractionIsNotRun() throws IOException {
		fatJar("app.jar", ExtractedLayout.JAR_LAUNCHER, true);
		ChildCommand release = command("-jar", "app.jar");
		ExtractedLayout.Source source = this.layout.source(release);
		Path partial = Files.createDirectories(this.cacheDirectory.resolve(source.key() + ".layout"));
		Files.writeString(partial.resolve("app.jar"), "half");
		assertThat(this.layout.launch(release)).isNull();
		this.layout.markFailed(source, "it exited with 1");
		assertThat(this.layout.failed(source)).isTrue();
	}

	@Test
	void aDeployedJarInsideTheCacheDirectoryIsNoSourceAndAnotherDirectoryIsNoCopy() throws IOException {
		fatJar("app.jar", ExtractedLayout.JAR_LAUNCHER, true);
		Path inside = Files.createDirectories(this.cacheDirectory.resolve("k.layout"));
		Files.copy(this.app.resolve("app.jar"), inside.resolve("app.jar"));
		ChildCommand copyCommand = new ChildCommand(List.of("java", "-jar", inside.resolve("app.jar").toString()),
				Map.of(ExtractedLayout.DEPLOYED_JAR, "app.jar"), this.app);
		assertThat(this.layout.source(copyCommand)).isNull();
		ChildCommand elsewhere = new ChildCommand(List.of("java", "-jar", "app.jar"),
				Map.of(ExtractedLayout.DEPLOYED_JAR, "other.jar"), this.app);
		assertThat(this.layout.deployed(elsewhere)).isSameAs(elsewhere);
	}

	@Test
	void pruningKeepsTheLayoutsUsedLastAndTheOneThisProcessRuns() throws IOException {
		List<Path> copies = new ArrayList<>();
		List<ChildCommand> releases = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			fatJar("app" + i + ".jar", ExtractedLayout.JAR_LAUNCHER, true);
			releases.add(command("-jar", "app" + i + ".jar"));
		}
		copies.add(extract(this.layout.source(releases.get(0))));
		ageMarkers(40);
		// this process runs the oldest copy
		this.layout.holdRunningCopy(new ChildCommand(List.of("java", "-jar", copies.get(0).toString()),
				Map.of(ExtractedLayout.DEPLOYED_JAR, "app0.jar"), this.app));
		copies.add(extract(this.layout.source(releases.get(1))));
		ageMarkers(30);
		copies.add(extract(this.layout.source(releases.get(2))));
		ageMarkers(20);
		assertThat(copies).allMatch(Files::exists);
		this.layout.launch(releases.get(1)); // used now
		copies.add(extract(this.layout.source(releases.get(3))));
		assertThat(copies.get(0)).as("held").exists();
		assertThat(copies.get(1)).as("used last").exists();
		assertThat(copies.get(2)).as("older than the two used last").doesNotExist();
		assertThat(copies.get(3)).as("made last").exists();
		assertThat(this.layout.launch(releases.get(2))).isNull();
	}

	private void ageMarkers(int minutes) throws IOException {
		try (var files = Files.list(this.cacheDirectory)) {
			for (Path file : files.filter((f) -> f.toString().endsWith(".layout.ok")).toList()) {
				if (Files.getLastModifiedTime(file).toMillis() > System.currentTimeMillis() - 1000) {
					Files.setLastModifiedTime(file,
							FileTime.fromMillis(System.currentTimeMillis() - minutes * 60_000L));
				}
			}
		}
	}

	// what java -Djarmode=tools -jar app.jar extract leaves: the application jar and lib/
	private Path extract(ExtractedLayout.Source source) throws IOException {
		Path destination = this.layout.temporary(source);
		Files.createDirectories(destination.resolve("lib"));
		Files.writeString(destination.resolve(source.jar().getFileName()), "application");
		Files.writeString(destination.resolve("lib/spring.jar"), "library");
		this.layout.store(source, destination);
		Path copy = this.layout.copy(source);
		assertThat(copy).isNotNull();
		assertThat(destination).doesNotExist();
		return copy;
	}

	private Path fatJar(String name, String mainClass, boolean tools) throws IOException {
		Manifest manifest = new Manifest();
		manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
		manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, mainClass);
		Path jar = this.app.resolve(name);
		try (OutputStream out = Files.newOutputStream(jar); JarOutputStream stream = new JarOutputStream(out, manifest)) {
			stream.putNextEntry(new JarEntry("BOOT-INF/lib/spring-core-7.0.8.jar"));
			stream.closeEntry();
			if (tools) {
				stream.putNextEntry(new JarEntry(ExtractedLayout.TOOLS_PREFIX + "4.0.7.jar"));
				stream.closeEntry();
			}
		}
		return jar;
	}

	private ChildCommand command(String... args) {
		List<String> argv = new ArrayList<>(List.of("java"));
		argv.addAll(List.of(args));
		return new ChildCommand(argv, Map.of("A", "1"), this.app);
	}

}
