// portcullisScan: the Portcullis image gate as a Jenkins shared-library step.
//
// Configure this library as a trusted global library (Manage Jenkins > System > Global Trusted
// Pipeline Libraries) from the security team's repository, at a pinned version, with "Allow default
// version to be overridden" off: the application's Jenkinsfile then calls the step but cannot change
// it, and the policy it scans with is the security team's repository at POLICY_COMMIT below.
//
//   portcullisScan image: "docker-archive:${WORKSPACE}/image.tar", pipeline: "release-${BUILD_NUMBER}",
//                  unstableOnWarnings: true
//
// Publishes the JUnit report, archives the JSON and HTML reports and the decision record, and sets the
// build result by verdict: fail or could not decide -> FAILURE (the step errors), pass with warnings ->
// UNSTABLE when unstableOnWarnings is set. Returns [verdict: 'pass'|'fail'|'error', warnings: N,
// exitCode: N].
import groovy.transform.Field

@Field final String POLICY_REPOSITORY = 'https://git.example.com/security/assurance-policies.git'
@Field final String POLICY_COMMIT = '0a1b2c3d4e5f60718293a4b5c6d7e8f901234567'
@Field final String PACKAGE = 'portcullis@0.1.0'
@Field final List<String> ARGS = ['image', 'pipeline', 'unstableOnWarnings', 'dbSource']

def call(Map args = [:]) {
    def unknown = args.keySet().findAll { !(it in ARGS) }.sort()
    if (unknown) {
        error("portcullisScan: unknown argument(s) ${unknown.join(', ')}; the policy comes from the security team's library, not from the Jenkinsfile")
    }
    if (!args.image) {
        error('portcullisScan: image is required')
    }
    if (!args.pipeline) {
        error('portcullisScan: pipeline is required (this pipeline\'s name, e.g. release-${BUILD_NUMBER})')
    }
    String out = 'portcullis-reports'
    String script = "${pwd(tmp: true)}/portcullis-scan.sh"
    writeFile(file: script, text: libraryResource('portcullis/scan.sh'))
    List<String> vars = [
        "PORTCULLIS_IMAGE=${args.image}",
        "PORTCULLIS_PIPELINE=${args.pipeline}",
        "PORTCULLIS_POLICY_REPOSITORY=${POLICY_REPOSITORY}",
        "PORTCULLIS_POLICY_COMMIT=${POLICY_COMMIT}",
        "PORTCULLIS_POLICY_DIR=${pwd(tmp: true)}/portcullis-policy",
        "PORTCULLIS_PACKAGE=${PACKAGE}",
        "PORTCULLIS_OUT=${out}",
    ]
    if (args.dbSource) {
        vars << "PORTCULLIS_DB_SOURCE=${args.dbSource}"
    }
    int code
    withEnv(vars) {
        code = sh(script: "sh '${script}'", returnStatus: true)
    }
    // the JUnit report lists each failing finding as a failed test: the verdict sets the result, not the test count
    junit(testResults: "${out}/portcullis-junit.xml", allowEmptyResults: true, skipMarkingBuildUnstable: true)
    archiveArtifacts(artifacts: "${out}/portcullis-report.json,${out}/portcullis-report.html,${out}/portcullis-decision.json",
        allowEmptyArchive: true, fingerprint: true)
    int warnings = fileExists("${out}/warnings.txt") ? (readFile("${out}/warnings.txt").trim() as int) : 0
    if (code == 1) {
        error("Portcullis: ${args.image} failed the policy of pipeline ${args.pipeline} (see the JUnit report and ${out}/portcullis-report.html)")
    }
    if (code != 0) {
        error("Portcullis: could not decide on ${args.image} (exit ${code}; see the log above)")
    }
    if (warnings > 0 && args.unstableOnWarnings) {
        unstable("Portcullis: ${warnings} policy warning(s) on ${args.image}")
    }
    return [verdict: 'pass', warnings: warnings, exitCode: code]
}
