// Runs the portcullisScan shared-library step (vars/portcullisScan.groovy) outside Jenkins, which cannot
// run here: the Jenkins steps it calls are stand-ins that record their calls (junit, archiveArtifacts,
// unstable, error -> FAILURE), except `sh`, which really runs the shell script. Writes what happened as
// JSON to OUT.
// Usage: groovy jenkins-harness.groovy STEP.groovy RESOURCES_DIR WORKSPACE OUT.json IMAGE PIPELINE UNSTABLE_ON_WARNINGS DB_SOURCE
import groovy.json.JsonOutput

class StepError extends RuntimeException {
    StepError(String message) { super(message) }
}

def (stepFile, resources, workspace, outFile, image, pipeline, unstableOnWarnings, dbSource) = args as List
Map<String, String> env = new HashMap<>(System.getenv())
def result = [result: 'SUCCESS', calls: []]
def step = new GroovyShell().parse(new File(stepFile))
step.metaClass.pwd = { Map m = [:] -> m.tmp ? "${workspace}@tmp".toString() : workspace }
step.metaClass.writeFile = { Map m ->
    def f = new File(m.file.toString())
    f.parentFile.mkdirs()
    f.text = m.text
}
step.metaClass.libraryResource = { p -> new File(resources, p.toString()).text }
step.metaClass.withEnv = { List vars, Closure body ->
    def saved = new HashMap<>(env)
    vars.each { v -> def s = v.toString(); int i = s.indexOf('='); env[s.substring(0, i)] = s.substring(i + 1) }
    try { body() } finally { env.clear(); env.putAll(saved) }
}
step.metaClass.sh = { Map m ->
    def pb = new ProcessBuilder('sh', '-c', m.script.toString()).directory(new File(workspace)).inheritIO()
    pb.environment().clear()
    pb.environment().putAll(env)
    int code = pb.start().waitFor()
    result.calls << [step: 'sh', status: code]
    if (m.returnStatus) return code
    if (code != 0) throw new StepError("script returned exit code ${code}")
}
step.metaClass.junit = { Map m -> result.calls << [step: 'junit', args: m.collectEntries { k, v -> [k, v.toString()] }] }
step.metaClass.archiveArtifacts = { Map m -> result.calls << [step: 'archiveArtifacts', args: m.collectEntries { k, v -> [k, v.toString()] }] }
step.metaClass.fileExists = { f -> new File(workspace, f.toString()).exists() }
step.metaClass.readFile = { f -> new File(workspace, f.toString()).text }
step.metaClass.error = { msg -> throw new StepError(msg.toString()) }
step.metaClass.unstable = { msg ->
    if (result.result == 'SUCCESS') result.result = 'UNSTABLE'
    result.calls << [step: 'unstable', message: msg.toString()]
}
try {
    result.returned = step.call(image: image, pipeline: pipeline, unstableOnWarnings: unstableOnWarnings == 'true', dbSource: dbSource)
} catch (StepError e) {
    result.result = 'FAILURE'
    result.error = e.message
}
new File(outFile).text = JsonOutput.toJson(result)
