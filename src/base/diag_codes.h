/*
 * diag_codes.h - the catalogue: DIAG(name, severity, id, hint).
 *
 * Included by diag.h and diag.c with DIAG defined. Keep ids stable: users
 * grep for them and the man page documents each one under DIAGNOSTICS.
 * The hint says what to do; it is printed under the message.
 */

/* ---- loading (loader.c) ---- */
DIAG(FILE_READ, SEV_ERROR, "E-FILE-READ",
    "check the path and its permissions; -C DIR changes the directory first")
DIAG(FILE_TOO_LARGE, SEV_ERROR, "E-FILE-TOO-LARGE",
    "a manifest may be at most 4 MiB; move large data out of the manifest")
DIAG(YAML_SYNTAX, SEV_ERROR, "E-YAML-SYNTAX",
    "fix the YAML at the position shown; indentation and unclosed brackets or quotes are the usual causes")
DIAG(YAML_UTF8, SEV_ERROR, "E-YAML-UTF8",
    "save the file as UTF-8; the byte at this position is not valid UTF-8")
DIAG(YAML_DEPTH, SEV_ERROR, "E-YAML-DEPTH",
    "nesting is limited to 64 levels; flatten the structure")
DIAG(YAML_ALIAS_BUDGET, SEV_ERROR, "E-YAML-ALIAS-BUDGET",
    "aliases may expand to at most 100000 nodes in all; write the data out or use fewer nested aliases")
DIAG(YAML_NODE_BUDGET, SEV_ERROR, "E-YAML-NODE-BUDGET",
    "a manifest may hold at most 1000000 nodes; split the service")
DIAG(YAML_DUPLICATE_KEY, SEV_ERROR, "E-YAML-DUPLICATE-KEY",
    "remove or rename one of the two keys; YAML mappings need unique keys")
DIAG(YAML_KEY_TYPE, SEV_ERROR, "E-YAML-KEY-TYPE",
    "mapping keys must be strings; quote the key if a string is meant")
DIAG(YAML_UNKNOWN_TAG, SEV_ERROR, "E-YAML-UNKNOWN-TAG",
    "use one of the CloudFormation short forms (!Ref, !GetAtt, !Sub, ...) or the long form {\"Fn::...\": ...}")
DIAG(YAML_BAD_TAG_VALUE, SEV_ERROR, "E-YAML-TAG-VALUE",
    "give the intrinsic function the kind of value CloudFormation expects (see the CloudFormation intrinsic function reference)")
DIAG(YAML_MULTI_DOCUMENT, SEV_ERROR, "E-YAML-MULTI-DOCUMENT",
    "a manifest is one YAML document; remove the extra '---' document")
DIAG(YAML_EMPTY, SEV_ERROR, "E-YAML-EMPTY",
    "start from 'spartac init' or sparta.yaml.example; a manifest needs at least 'service:'")
DIAG(YAML_MERGE_KEY, SEV_ERROR, "E-YAML-MERGE-KEY",
    "merge keys ('<<') are a YAML 1.1 extension spartac does not apply; write the keys out")
DIAG(YAML_LEADING_ZERO, SEV_WARNING, "W-YAML-LEADING-ZERO",
    "spartac reads YAML 1.2, where 0128 is the decimal 128; a YAML 1.1 reader (PyYAML, many editors) reads a leading zero as octal or as a string: write the number without the zero, or quote it if a string is meant")
DIAG(YAML_BOOLEAN_WORD, SEV_WARNING, "W-YAML-BOOLEAN-WORD",
    "spartac reads YAML 1.2, where yes/no/on/off/y/n are strings; a YAML 1.1 reader (PyYAML, many editors) reads them as booleans: quote the word if a string is meant, or write true or false")
DIAG(YAML_BOM_INSIDE, SEV_WARNING, "W-YAML-BOM",
    "a byte order mark (U+FEFF) belongs only at the very start of a file; elsewhere it is an invisible character that ends up in the value: delete it")

/* ---- schema (src/front/schema_*.c) ---- */
DIAG(SCHEMA, SEV_ERROR, "E-SCHEMA",
    "see 'spartac schema' or docs/manifest.md for what this property accepts")
DIAG(SCHEMA_UNKNOWN_PROPERTY, SEV_ERROR, "E-SCHEMA-UNKNOWN-PROPERTY",
    "remove the property or fix its spelling; 'spartac schema' lists every property")
DIAG(SCHEMA_REQUIRED, SEV_ERROR, "E-SCHEMA-REQUIRED",
    "add the missing property")
DIAG(SCHEMA_TYPE, SEV_ERROR, "E-SCHEMA-TYPE",
    "give a value of the expected type; quote strings that YAML would read as numbers or booleans")
DIAG(SCHEMA_ENUM, SEV_ERROR, "E-SCHEMA-ENUM",
    "use one of the listed values")
DIAG(SCHEMA_RANGE, SEV_ERROR, "E-SCHEMA-RANGE",
    "give a value inside the allowed range")
DIAG(SCHEMA_PATTERN, SEV_ERROR, "E-SCHEMA-PATTERN",
    "give a value in the documented format")
DIAG(SCHEMA_LENGTH, SEV_ERROR, "E-SCHEMA-LENGTH",
    "shorten or lengthen the value to the allowed size")
DIAG(SCHEMA_COUNT, SEV_ERROR, "E-SCHEMA-COUNT",
    "add or remove entries so the list or mapping has an allowed number of them")
DIAG(SCHEMA_UNIQUE, SEV_ERROR, "E-SCHEMA-UNIQUE",
    "remove the duplicate entry; this list must not repeat a value")
DIAG(SCHEMA_DEPENDENCY, SEV_ERROR, "E-SCHEMA-DEPENDENCY",
    "add the property this one depends on, or remove this one")
DIAG(SCHEMA_ONE_OF, SEV_ERROR, "E-SCHEMA-ONE-OF",
    "the value fits more than one of the allowed forms; remove the properties that make it ambiguous")
DIAG(SCHEMA_NOT, SEV_ERROR, "E-SCHEMA-NOT",
    "this combination of values is explicitly not allowed; see the property's description in 'spartac schema'")
DIAG(SCHEMA_LIMIT, SEV_ERROR, "E-SCHEMA-LIMIT",
    "the value is too complex to check (schema recursion or pattern step limit); simplify it")

/* ---- JSON input (json.c) ---- */
DIAG(JSON_SYNTAX, SEV_ERROR, "E-JSON-SYNTAX",
    "fix the JSON at the position shown (RFC 8259: no comments, no trailing commas, strings in double quotes)")
DIAG(JSON_DUPLICATE_KEY, SEV_ERROR, "E-JSON-DUPLICATE-KEY",
    "remove or rename one of the two keys; object keys must be unique")
DIAG(JSON_DEPTH, SEV_ERROR, "E-JSON-DEPTH",
    "JSON nesting is limited to 128 levels; flatten the structure")

/* ---- build (src/compile/build*.c, src/pipeline/hooks.c) ---- */
DIAG(BUILD_SYMBOL_MISSING, SEV_ERROR, "E-BUILD-SYMBOL-MISSING",
    "define the function in one of build.sources (not static), or fix the symbol name")
DIAG(BUILD_COMPILE, SEV_ERROR, "E-BUILD-COMPILE",
    "fix the compiler errors printed above; they point at your source files")
DIAG(BUILD_LINK, SEV_ERROR, "E-BUILD-LINK",
    "the linker's messages are printed above: check build.libs and that the libraries exist for the target architecture")
DIAG(BUILD_TOOLCHAIN, SEV_ERROR, "E-BUILD-TOOLCHAIN",
    "install the compiler for this architecture and link mode ('sh tools/setup.sh' installs musl-tools, gcc-aarch64-linux-gnu and musl-dev:arm64)")
DIAG(BUILD_NO_SOURCES, SEV_ERROR, "E-BUILD-NO-SOURCES",
    "make build.sources match at least one .c file, relative to the manifest's directory")
DIAG(BUILD_PATH_ESCAPE, SEV_ERROR, "E-BUILD-PATH-ESCAPE",
    "paths must stay inside the project directory (the manifest's directory): remove '..' and absolute paths outside it")
DIAG(BUILD_GLIBC_SYMBOL, SEV_ERROR, "E-BUILD-GLIBC-SYMBOL",
    "this symbol needs a glibc newer than Amazon Linux 2023's 2.34: avoid the function, or use the default static (musl) link mode")
DIAG(BUILD_LIBRARY, SEV_ERROR, "E-BUILD-LIBRARY",
    "install the library (its -dev package for the target architecture) or add its directory with -L in build.libs")
DIAG(BUILD_IO, SEV_ERROR, "E-BUILD-IO",
    "check the permissions and free space of the project directory and its .spartac/")
DIAG(ARCHIVE_ENTRY, SEV_ERROR, "E-ARCHIVE-ENTRY",
    "the archive staging directory may hold regular files and directories only, and must not replace 'bootstrap' or 'lib/'")
DIAG(SITE_ROOT, SEV_ERROR, "E-SITE-ROOT",
    "site.root must be a directory inside the project, not the project directory itself; symbolic links may not point outside it")
DIAG(SITE_FILE_SIZE, SEV_ERROR, "E-SITE-FILE-SIZE",
    "a site object may be at most 5 TiB (S3's limit), or SPARTAC_SITE_FILE_MAX bytes when that is set: exclude the file (site.exclude) or serve it from elsewhere")
DIAG(HOOK_FAILED, SEV_ERROR, "E-HOOK-FAILED",
    "the hook's own output is printed above; fix the command or remove the hook")
DIAG(HOOK_NOT_FOUND, SEV_ERROR, "E-HOOK-NOT-FOUND",
    "hooks run without a shell: argv[0] must be a program in PATH or a path relative to the project directory")
DIAG(HOOK_TIMEOUT, SEV_ERROR, "E-HOOK-TIMEOUT",
    "a hook may run 600 seconds unless it says otherwise: give it {command: [...], timeout: SECONDS}, or find why it hangs")

/* ---- semantic checks (src/front/manifest*.c) ---- */
DIAG(STAGE_UNKNOWN, SEV_ERROR, "E-STAGE-UNKNOWN",
    "--stage must name a stage declared under stages:; add it there or fix the name")
DIAG(STAGE_OVERRIDE_UNKNOWN, SEV_ERROR, "E-STAGE-OVERRIDE-UNKNOWN",
    "a stage may change the functions, roles and routes of the base manifest but not add new ones; declare it in the base first")
DIAG(SERVICE_NAME, SEV_ERROR, "E-SERVICE-NAME",
    "the service name is the CloudFormation stack name: a letter, then letters, digits and '-', at most 128 characters")
DIAG(NAME_INVALID, SEV_ERROR, "E-NAME-INVALID",
    "function and role names use letters, digits, '-' and '_' (at least one letter or digit), at most 64 characters")
DIAG(LOGICAL_ID, SEV_ERROR, "E-LOGICAL-ID",
    "CloudFormation logical IDs use only letters and digits (A-Za-z0-9), at most 255 characters")
DIAG(LOGICAL_ID_CLASH, SEV_ERROR, "E-LOGICAL-ID-CLASH",
    "both names give the same CloudFormation logical ID (non-alphanumerics dropped, each word capitalised; parameters and resources share one namespace); rename one")
DIAG(SYMBOL_INVALID, SEV_ERROR, "E-SYMBOL-INVALID",
    "a symbol is a C identifier: a letter or '_', then letters, digits or '_'")
DIAG(SYMBOL_KEYWORD, SEV_ERROR, "E-SYMBOL-KEYWORD",
    "a C keyword cannot name a function; rename the C function and the symbol")
DIAG(SYMBOL_RESERVED, SEV_ERROR, "E-SYMBOL-RESERVED",
    "main, names starting with sparta_ or spartac_ (the runtime's) and _X or __ names (the C implementation's) are reserved; rename the C function")
DIAG(SYMBOL_DUPLICATE, SEV_ERROR, "E-SYMBOL-DUPLICATE",
    "give each function its own C function, or add 'share_symbol: true' to the function that deliberately reuses another's symbol")
DIAG(ROLE_UNKNOWN, SEV_ERROR, "E-ROLE-UNKNOWN",
    "name a role declared under roles:, or remove role: to get a generated least-privilege role")
DIAG(ROLE_SHAPE, SEV_ERROR, "E-ROLE-SHAPE",
    "a role has either arn: (an existing role) or privileges: and/or managed_policies: (a generated one), not both and not neither")
DIAG(ROLE_EXTRA, SEV_ERROR, "E-ROLE-EXTRA",
    "a function with role: shares that role and has no generated role of its own: move privileges: and managed_policies: to the role under roles:, or drop role: to get a generated role they extend")
DIAG(ROLE_UNUSED, SEV_WARNING, "W-ROLE-UNUSED",
    "no function names this role; remove it or name it in a function's role:")
DIAG(FUNCTION_UNKNOWN, SEV_ERROR, "E-FUNCTION-UNKNOWN",
    "name a function declared under functions:")
DIAG(REF_UNKNOWN, SEV_ERROR, "E-REF-UNKNOWN",
    "depends_on names a function under functions: or a logical ID under resources:")
DIAG(FUNCTION_NAME, SEV_ERROR, "E-FUNCTION-NAME",
    "a physical function name (name:) must be unique in the account and region; give each function its own name, or leave name: out to get a generated one")
DIAG(BUCKET_NAME, SEV_ERROR, "E-BUCKET-NAME",
    "S3 bucket names are 3 to 63 lower-case letters, digits, '.' and '-', start and end with a letter or digit, have no '..', are not shaped like an IP address and avoid the reserved prefixes (xn--, sthree-, amzn-s3-demo-) and suffixes (-s3alias, --ol-s3, .mrap, --x-s3, --table-s3)")
DIAG(S3_BUCKET, SEV_ERROR, "E-S3-BUCKET",
    "an s3 event names the logical ID of an AWS::S3::Bucket under resources: (CloudFormation can only add notifications to a bucket it manages), or with existing: true the name of a bucket outside the stack")
DIAG(ROUTE_SYNTAX, SEV_ERROR, "E-ROUTE-SYNTAX",
    "write a route as \"METHOD /path\" with one space; METHOD is GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS or ANY, in upper case")
DIAG(ROUTE_PATH, SEV_ERROR, "E-ROUTE-PATH",
    "path segments are literal (letters, digits, '-', '.', '_', '~', ':', '@'), a whole-segment {param}, or {proxy+} as the last segment; no empty segments, no trailing '/', no repeated parameter")
DIAG(ROUTE_CLASH, SEV_ERROR, "E-ROUTE-CLASH",
    "two routes match the same requests (ANY covers every method; parameter names do not distinguish paths); remove or change one")
DIAG(ROUTE_PARAM_CONFLICT, SEV_ERROR, "E-ROUTE-PARAM-CONFLICT",
    "API Gateway allows one variable segment per position under the same parent path; use the same {name} in both routes")
DIAG(API_AUTHORIZER_UNKNOWN, SEV_ERROR, "E-API-AUTHORIZER-UNKNOWN",
    "auth: names an authorizer declared under api.authorizers, or is none (public) or iam (SigV4-signed callers)")
DIAG(API_NAME_UNKNOWN, SEV_ERROR, "E-API-NAME-UNKNOWN",
    "a usage plan's keys name entries of api.api_keys, and a route's request model names an entry of api.models; declare it there or fix the name")
DIAG(API_AUTH, SEV_ERROR, "E-API-AUTH",
    "token and request authorizers name a function and read identity sources (a token authorizer exactly one header); cognito needs user_pools, jwt needs issuer and audience; scopes go with jwt and cognito authorizers; a route gives auth: or the older authorization:, not both (docs/manifest.md, api.authorizers)")
DIAG(API_KIND, SEV_ERROR, "E-API-KIND",
    "a REST API (the default) and an HTTP API (api.type: http) accept different keys: remove this one, or change api.type (docs/manifest.md marks the keys each kind has)")
DIAG(API_CORS, SEV_ERROR, "E-API-CORS",
    "routes on one path share one preflight, and a function adds one set of CORS headers to its responses: give the routes of a path, and the routes of a function, the same cors; credentials need explicit origins, not '*'")
DIAG(ARN_SHAPE, SEV_ERROR, "E-ARN-SHAPE",
    "an ARN reads arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE (e.g. arn:aws:sqs:us-east-1:123456789012:jobs); or use an intrinsic such as !GetAtt Jobs.Arn")
DIAG(ARN_SERVICE, SEV_ERROR, "E-ARN-SERVICE",
    "this field needs the ARN of another AWS service (named in the message); check that the right ARN was pasted")
DIAG(SCHEDULE, SEV_ERROR, "E-SCHEDULE",
    "write rate(1 minute) or rate(N minutes|hours|days) (singular unit for 1 only), or cron(MIN HOUR DAY-OF-MONTH MONTH DAY-OF-WEEK YEAR) with '?' in one of the two day fields")
DIAG(ENV_RESERVED, SEV_ERROR, "E-ENV-RESERVED",
    "Lambda reserves AWS_*-style runtime names (and spartac reserves SPARTA_ and SPARTAC_ for discovery); choose another name")
DIAG(PATH_ESCAPE, SEV_ERROR, "E-PATH-ESCAPE",
    "paths are relative to the manifest's directory and may not leave it: no leading '/', no '..' that climbs above the project")
DIAG(SQS_WINDOW, SEV_ERROR, "E-SQS-WINDOW",
    "an SQS batch above 10 needs window: of at least 1 second (a Lambda rule)")

/* ---- template (marshal*.c) ---- */
DIAG(MARSHAL_ID_CLASH, SEV_ERROR, "E-MARSHAL-ID-CLASH",
    "spartac generates this logical ID (docs/logical-ids.md lists the scheme); rename the entry under resources:, parameters: or outputs:")
DIAG(MARSHAL_REF_UNKNOWN, SEV_ERROR, "E-MARSHAL-REF-UNKNOWN",
    "refer to a parameter or resource of this manifest, or to one spartac generates (docs/logical-ids.md): a function is <Name>Function, its role <Name>FunctionRole; conditions and mappings must be declared under conditions: and mappings:, and a condition may Ref parameters only; CloudFormation would refuse the template at deploy time")
DIAG(MARSHAL_GETATT_PARAMETER, SEV_ERROR, "E-MARSHAL-GETATT-PARAMETER",
    "Fn::GetAtt reads an attribute of a resource, and a parameter has none: use !Ref for the parameter's value, or name a resource")
DIAG(MARSHAL_GETATT_ATTRIBUTE, SEV_ERROR, "E-MARSHAL-GETATT-ATTRIBUTE",
    "name an attribute the resource type returns (its Return values in the CloudFormation reference; spartac knows them from the resource schemas in schema/cfn-types.tsv); CloudFormation would refuse the template at deploy time")
DIAG(MARSHAL_TYPE_UNKNOWN, SEV_WARNING, "W-MARSHAL-TYPE-UNKNOWN",
    "check the spelling against the CloudFormation resource type reference; a type newer than spartac's table (schema/cfn-types.tsv) or a registry extension is passed through as written")
DIAG(MARSHAL_PROPERTY_REQUIRED, SEV_ERROR, "E-MARSHAL-PROPERTY-REQUIRED",
    "add the missing properties under Properties: (the resource type's reference lists them); CloudFormation would refuse the template at deploy time")
DIAG(MARSHAL_SQS_VISIBILITY, SEV_ERROR, "E-MARSHAL-SQS-VISIBILITY",
    "Lambda refuses an SQS event source whose queue's VisibilityTimeout is shorter than the function's timeout: set the queue's VisibilityTimeout to at least the timeout (AWS advises six times it)")
DIAG(MARSHAL_DYNAMODB_KEYS, SEV_ERROR, "E-MARSHAL-DYNAMODB-KEYS",
    "AttributeDefinitions lists exactly the attributes used by KeySchema and by the indexes' key schemas; add or remove definitions to match")
DIAG(MARSHAL_DEPENDS_CONDITION, SEV_ERROR, "E-MARSHAL-DEPENDS-CONDITION",
    "a resource with a Condition does not exist when the condition is false, so what depends on it must have the same Condition; give it one, or drop the dependency (cfn-lint E3005)")
DIAG(MARSHAL_PROPERTY_UNKNOWN, SEV_ERROR, "E-MARSHAL-PROPERTY-UNKNOWN",
    "fix the property's name (the resource type's reference lists its properties; names are case-sensitive); CloudFormation refuses unsupported properties")
DIAG(MARSHAL_SECURITY_GROUP_REF, SEV_ERROR, "E-MARSHAL-SECURITY-GROUP-REF",
    "give the security group its VpcId (the function's subnets are in a VPC), or write !GetAtt Group.GroupId")
DIAG(MARSHAL_PROPERTY_TYPE, SEV_ERROR, "E-MARSHAL-PROPERTY-TYPE",
    "give the property the shape its type's reference says (Tags, for one, is a list of {Key, Value} maps, not a map); CloudFormation refuses the template otherwise")
DIAG(MARSHAL_EVENT_SOURCE, SEV_ERROR, "E-MARSHAL-EVENT-SOURCE",
    "name a resource of the kind the event reads: sqs a queue (!GetAtt Queue.Arn), sns a topic (!Ref Topic), kinesis a stream (!GetAtt Stream.Arn), dynamodb a table with a stream (!GetAtt Table.StreamArn), logs a log group (!Ref LogGroup)")
DIAG(MARSHAL_DEPENDS_CYCLE, SEV_ERROR, "E-MARSHAL-DEPENDS-CYCLE",
    "depends_on between functions must not form a cycle: CloudFormation creates a dependency before the function that uses it; remove one of the entries")
DIAG(MARSHAL_DEPENDENCY_CYCLE, SEV_ERROR, "E-MARSHAL-DEPENDENCY-CYCLE",
    "CloudFormation creates a resource after those it names with Ref, GetAtt, Sub or DependsOn, so these cannot be created in any order (cfn-lint E3004); remove one of the references, or write a name instead of a !Ref")
DIAG(MARSHAL_CONDITION_CYCLE, SEV_ERROR, "E-MARSHAL-CONDITION-CYCLE",
    "conditions must not use each other (with !Condition) in a cycle: CloudFormation evaluates a condition after the ones it uses; remove one of the uses")
DIAG(MARSHAL_TEMPLATE_S3, SEV_NOTE, "N-TEMPLATE-S3",
    "nothing to do: templates over 51,200 bytes cannot be sent inline, so deploy uploads the template to the artifact bucket and passes its URL")
DIAG(MARSHAL_TEMPLATE_LIMIT, SEV_WARNING, "W-TEMPLATE-LIMIT",
    "CloudFormation refuses templates over 1 MB or 500 resources, so deploy will fail: split the service, or share roles between functions (roles: and role:) to cut the resource count")
DIAG(MARSHAL_SPLIT, SEV_NOTE, "N-TEMPLATE-SPLIT",
    "nothing to do: the template was over a CloudFormation limit (or nested_stacks.max_resources), so build wrote a root template and nested stacks under stacks/, each holding whole functions; deploy uploads them and CloudFormation creates them together")
DIAG(MARSHAL_SPLIT_LIMIT, SEV_WARNING, "W-TEMPLATE-SPLIT-LIMIT",
    "even split into nested stacks a template is over a CloudFormation limit, so deploy will fail: the root keeps the manifest's own resources, parameters and outputs and the shared API and roles, and one function's resources always stay together; move resources out of the manifest, or share fewer roles")

/* ---- deploy (converge_io.c) ---- */
DIAG(DEPLOY_ROLE_MISSING, SEV_ERROR, "E-DEPLOY-ROLE-MISSING",
    "the role named by this ARN does not exist in the account deployed to (iam:GetRole found nothing): create it, fix the ARN, or use an inline role")
