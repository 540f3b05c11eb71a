// Port's mapping format (port-app-config) and the JQ engine behind it. See docs/mapping.md.
export {
  MappingError, compileMapping, loadMappingFile,
  type CompiledMapping, type MapResult, type MappingFailure, type MappingFlags,
} from './compile';
export { JqCompileError, JqRuntimeError, compileJq, type JqProgram } from './jq';
export { portAppConfigSchema, type PortAppConfig } from './schema';
