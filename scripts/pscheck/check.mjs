// check.mjs checks the PowerShell files under scripts/ without PowerShell.
//
// For every .ps1, .psm1 and .psd1 file below the scripts folder it reports,
// as FILE:LINE:COL: message,
//   - syntax errors: ERROR and MISSING nodes of the tree-sitter-powershell
//     parse tree;
//   - syntax that Windows PowerShell 5.1 rejects but PowerShell 7 accepts:
//     ?? and ??= (7.0), ?. and ?[ (7.1), && and || between pipelines (7.0),
//     the ternary ? : (7.0), ForEach-Object -Parallel (7.0) and clean blocks
//     (7.3). Every file here is meant to run on 5.1;
//   - non-ASCII text in a file without a byte order mark, which Windows
//     PowerShell 5.1 reads in the ANSI code page;
//   - a module manifest whose FunctionsToExport names a function that its
//     root module does not define, or does not pass to Export-ModuleMember.
//
// Usage: node check.mjs [--self-test] [DIR]   (DIR defaults to ../ of this file)
// Exit status: 0 when every file passes, 1 otherwise.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Parser from 'tree-sitter';
// The package's "main" has no file extension, which Node's ES module loader
// warns about, so the binding file is named in full.
import PowerShell from 'tree-sitter-powershell/bindings/node/index.js';

const EXTENSIONS = new Set(['.ps1', '.psm1', '.psd1']);
const SKIPPED_FOLDERS = new Set(['node_modules', '.git']);

// Nodes whose text is data, not operators: a ? or && inside them is not
// PowerShell 7 syntax. Bare-word arguments (generic_token) such as ?.log,
// parameters such as -?, the Where-Object alias ? as a command name, and
// variables such as $? belong here too.
const OPAQUE_TYPES = new Set([
  'comment',
  'generic_token',
  'command_parameter',
  'command_name',
  'variable',
  'braced_variable',
]);
// String nodes are opaque except for the $( ) subexpressions in expandable
// strings, which are code.
const STRING_TYPES = new Set(['string_literal']);

const FOREACH_OBJECT_NAMES = new Set(['foreach-object', 'foreach', '%']);
// ForEach-Object accepts any unambiguous prefix of -Parallel; -Pa is the
// shortest (-P is shared with -Process and -PipelineVariable).
const PARALLEL_PARAMETER = /^-pa(r(a(l(l(e(l)?)?)?)?)?)?:?$/i;

const CHAIN_MESSAGES = {
  '&&': 'pipeline chain operator && needs PowerShell 7; use if ($?) { ... } or test $LASTEXITCODE',
  '||': 'pipeline chain operator || needs PowerShell 7; use if (-not $?) { ... } or test $LASTEXITCODE',
};
const CLEAN_MESSAGE = 'clean block needs PowerShell 7.3; use try { } finally { } in the end block';

const parser = new Parser();
parser.setLanguage(PowerShell);

function decodeSource(bytes) {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { text: bytes.subarray(3).toString('utf8'), hasBom: true };
  }
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) {
    return { text: bytes.subarray(2).toString('utf16le'), hasBom: true };
  }
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    const swapped = Buffer.from(bytes.subarray(2));
    swapped.swap16();
    return { text: swapped.toString('utf16le'), hasBom: true };
  }
  return { text: bytes.toString('utf8'), hasBom: false };
}

// lineColumn converts a UTF-16 offset into a 1-based line and column.
function lineColumn(text, offset) {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

function* descendants(node) {
  yield node;
  for (const child of node.children) {
    yield* descendants(child);
  }
}

// parse returns the tree. Node offsets (startIndex) are UTF-16 offsets into
// text, since the parser reads JavaScript strings.
function parse(text) {
  return parser.parse(text);
}

function syntaxFindings(tree) {
  const findings = [];
  const visit = (node, insideError) => {
    if (node.isMissing) {
      findings.push({ offset: node.startIndex, message: `syntax error: missing "${node.type}"` });
    } else if (node.type === 'ERROR' && !insideError) {
      const excerpt = node.text.trim().split('\n')[0].slice(0, 40);
      findings.push({ offset: node.startIndex, message: `syntax error near "${excerpt}"` });
    }
    for (const child of node.children) {
      visit(child, insideError || node.type === 'ERROR');
    }
  };
  visit(tree.rootNode, false);
  return findings;
}

// codeMask returns a copy of text in which comments, strings (but not their
// $( ) subexpressions), bare words, parameters, command names and variables
// are blanked, so that a token search matches only operators and expressions.
function codeMask(text, tree) {
  const chars = text.split('');
  const blank = (start, end) => {
    for (let i = start; i < end; i++) {
      if (chars[i] !== '\n') {
        chars[i] = ' ';
      }
    }
  };
  const restore = (start, end) => {
    for (let i = start; i < end; i++) {
      chars[i] = text[i];
    }
  };
  const visit = (node, inString) => {
    if (OPAQUE_TYPES.has(node.type)) {
      blank(node.startIndex, node.endIndex);
      return;
    }
    if (STRING_TYPES.has(node.type)) {
      blank(node.startIndex, node.endIndex);
      inString = true;
    }
    if (inString && node.type === 'sub_expression') {
      restore(node.startIndex, node.endIndex);
      inString = false;
    }
    for (const child of node.children) {
      visit(child, inString);
    }
  };
  visit(tree.rootNode, false);
  return chars.join('');
}

function tokenFindings(masked) {
  const findings = [];
  const rules = [
    { pattern: /\?\?=/g, message: 'null-coalescing assignment ??= needs PowerShell 7; use if ($null -eq $x) { $x = ... }' },
    { pattern: /\?\?(?!=)/g, message: 'null-coalescing operator ?? needs PowerShell 7; use if ($null -eq $x) { ... } else { ... }' },
    { pattern: /(?<!\?)\?\./g, message: 'null-conditional member access ?. needs PowerShell 7.1; test for $null first' },
    { pattern: /(?<!\?)\?\[/g, message: 'null-conditional index ?[ needs PowerShell 7.1; test for $null first' },
    { pattern: /(?<![?\w$-])\?(?![?.[=\w])/g, message: 'ternary operator ? : needs PowerShell 7; use if (...) { ... } else { ... }' },
    { pattern: /&&/g, message: CHAIN_MESSAGES['&&'] },
    { pattern: /\|\|/g, message: CHAIN_MESSAGES['||'] },
    { pattern: /(^|[{};\n])[ \t]*clean[ \t\r\n]*\{/gi, message: CLEAN_MESSAGE, skipPrefix: true },
  ];
  for (const rule of rules) {
    for (const match of masked.matchAll(rule.pattern)) {
      let offset = match.index;
      if (rule.skipPrefix) {
        offset += match[0].search(/clean/i);
      }
      findings.push({ offset, message: rule.message });
    }
  }
  return findings;
}

function treeFindings(tree) {
  const findings = [];
  for (const node of descendants(tree.rootNode)) {
    if (node.type === 'pipeline_chain_tail') {
      const operator = node.text.trim();
      findings.push({
        offset: node.startIndex,
        message: CHAIN_MESSAGES[operator] ?? `pipeline chain operator ${operator} needs PowerShell 7`,
      });
      continue;
    }
    if (node.type !== 'command') {
      continue;
    }
    const nameNode = node.childForFieldName('command_name');
    if (nameNode === null) {
      continue;
    }
    const name = nameNode.text.toLowerCase();
    const elements = node.childForFieldName('command_elements');
    if (FOREACH_OBJECT_NAMES.has(name) && elements !== null) {
      for (const element of descendants(elements)) {
        if (element.type === 'command_parameter' && PARALLEL_PARAMETER.test(element.text)) {
          findings.push({
            offset: element.startIndex,
            message: 'ForEach-Object -Parallel needs PowerShell 7; use a plain loop, Start-Job or a runspace pool',
          });
        }
      }
    }
    if (name === 'clean' && elements !== null) {
      const hasBlock = elements.namedChildren.some((child) =>
        [...descendants(child)].some((inner) => inner.type === 'script_block_expression'));
      if (hasBlock) {
        findings.push({ offset: nameNode.startIndex, message: CLEAN_MESSAGE });
      }
    }
  }
  return findings;
}

function encodingFindings(text, hasBom) {
  if (hasBom) {
    return [];
  }
  const offset = text.search(/[^\x00-\x7f]/);
  if (offset < 0) {
    return [];
  }
  return [{
    offset,
    message: 'non-ASCII character in a file without BOM: Windows PowerShell 5.1 reads it in the ANSI code page; save the file as UTF-8 with BOM or use ASCII',
  }];
}

// checkSource returns the findings for one file's text, sorted by position
// and without duplicates (the tree and the token search can both see && ).
function checkSource(text, hasBom = false) {
  const tree = parse(text);
  const all = [
    ...syntaxFindings(tree),
    ...treeFindings(tree),
    ...tokenFindings(codeMask(text, tree)),
    ...encodingFindings(text, hasBom),
  ];
  const seen = new Set();
  const unique = [];
  for (const finding of all.sort((a, b) => a.offset - b.offset)) {
    const position = lineColumn(text, finding.offset);
    const key = `${position.line}:${position.column}:${finding.message}`;
    if (seen.has(key)) {
      continue;
    }
    seen.add(key);
    unique.push({ ...position, message: finding.message });
  }
  return { tree, findings: unique };
}

function unquote(stringNode) {
  const text = stringNode.text.trim();
  return text.replace(/^(['"])([\s\S]*)\1$/, '$2');
}

function stringValues(node) {
  return [...descendants(node)].filter((n) => n.type === 'string_literal').map(unquote);
}

// manifestEntries returns the top-level keys of a .psd1 hash table, each with
// its value node.
function manifestEntries(tree) {
  const entries = new Map();
  const table = [...descendants(tree.rootNode)].find((n) => n.type === 'hash_literal_body');
  if (table === undefined) {
    return entries;
  }
  for (const entry of table.namedChildren) {
    if (entry.type !== 'hash_entry') {
      continue;
    }
    const key = entry.namedChildren.find((n) => n.type === 'key_expression');
    const value = entry.namedChildren.find((n) => n.type !== 'key_expression');
    if (key !== undefined && value !== undefined) {
      entries.set(key.text.trim().toLowerCase(), value);
    }
  }
  return entries;
}

function definedFunctions(tree) {
  const names = new Set();
  for (const node of descendants(tree.rootNode)) {
    if (node.type === 'function_statement') {
      const nameNode = node.namedChildren.find((n) => n.type === 'function_name');
      if (nameNode !== undefined) {
        names.add(nameNode.text.trim().toLowerCase());
      }
    }
  }
  return names;
}

// exportedFunctions returns the names given to Export-ModuleMember -Function
// (or its first positional argument), or null when the module does not call
// Export-ModuleMember.
function exportedFunctions(tree) {
  let calls = 0;
  const names = [];
  for (const node of descendants(tree.rootNode)) {
    if (node.type !== 'command') {
      continue;
    }
    const nameNode = node.childForFieldName('command_name');
    if (nameNode === null || nameNode.text.toLowerCase() !== 'export-modulemember') {
      continue;
    }
    calls++;
    const elements = node.childForFieldName('command_elements');
    if (elements === null) {
      continue;
    }
    let current = 'function';
    for (const element of elements.namedChildren) {
      if (element.type === 'command_argument_sep') {
        continue;
      }
      if (element.type === 'command_parameter') {
        current = /^-f/i.test(element.text) ? 'function' : 'other';
        continue;
      }
      if (current === 'function') {
        names.push(...stringValues(element));
        current = 'done';
      }
    }
  }
  return calls === 0 ? null : names;
}

function wildcardMatches(pattern, name) {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i').test(name);
}

function manifestFindings(manifestPath, text, tree) {
  const findings = [];
  const entries = manifestEntries(tree);
  const at = (node, message) => ({ ...lineColumn(text, node.startIndex), message });
  const rootModuleNode = entries.get('rootmodule') ?? entries.get('moduletoprocess');
  const functionsNode = entries.get('functionstoexport');

  if (functionsNode === undefined) {
    return [{ line: 1, column: 1, message: 'the manifest has no FunctionsToExport; list the exported functions by name' }];
  }
  const listed = stringValues(functionsNode);
  if (listed.some((name) => name.includes('*'))) {
    findings.push(at(functionsNode, 'FunctionsToExport uses a wildcard; list the exported functions by name'));
  }
  if (rootModuleNode === undefined) {
    findings.push(at(functionsNode, 'the manifest has no RootModule, so its functions cannot be checked'));
    return findings;
  }

  const rootModule = stringValues(rootModuleNode)[0] ?? '';
  const modulePath = path.join(path.dirname(manifestPath), rootModule);
  if (path.extname(modulePath).toLowerCase() !== '.psm1') {
    return findings;
  }
  if (!fs.existsSync(modulePath)) {
    findings.push(at(rootModuleNode, `RootModule ${rootModule} not found next to the manifest`));
    return findings;
  }

  const moduleTree = parse(decodeSource(fs.readFileSync(modulePath)).text);
  const defined = definedFunctions(moduleTree);
  const exported = exportedFunctions(moduleTree);
  const functionNodes = [...descendants(functionsNode)].filter((n) => n.type === 'string_literal');
  for (const node of functionNodes) {
    const name = unquote(node);
    if (!defined.has(name.toLowerCase())) {
      findings.push(at(node, `FunctionsToExport names ${name}, which ${rootModule} does not define`));
    }
    if (exported !== null && !exported.some((pattern) => wildcardMatches(pattern, name))) {
      findings.push(at(node, `FunctionsToExport names ${name}, which ${rootModule} does not pass to Export-ModuleMember`));
    }
  }

  for (const pattern of exported ?? []) {
    if (!listed.some((name) => wildcardMatches(pattern, name))) {
      findings.push(at(functionsNode, `${rootModule} exports ${pattern} with Export-ModuleMember, but FunctionsToExport does not list it, so it is not exported`));
    }
  }
  return findings;
}

function findPowerShellFiles(folder) {
  const files = [];
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_FOLDERS.has(entry.name)) {
        files.push(...findPowerShellFiles(full));
      }
    } else if (EXTENSIONS.has(path.extname(entry.name).toLowerCase())) {
      files.push(full);
    }
  }
  return files.sort();
}

function checkFile(file) {
  const { text, hasBom } = decodeSource(fs.readFileSync(file));
  const { tree, findings } = checkSource(text, hasBom);
  if (path.extname(file).toLowerCase() === '.psd1') {
    findings.push(...manifestFindings(file, text, tree));
  }
  return findings;
}

function runChecks(folder) {
  const files = findPowerShellFiles(folder);
  let passed = 0;
  let failed = 0;
  for (const file of files) {
    const findings = checkFile(file);
    const displayPath = path.relative(process.cwd(), file) || file;
    for (const finding of findings) {
      console.log(`${displayPath}:${finding.line}:${finding.column}: ${finding.message}`);
    }
    if (findings.length === 0) {
      passed++;
    } else {
      failed++;
    }
  }
  if (files.length === 0) {
    console.log(`pscheck: no .ps1, .psm1 or .psd1 files under ${folder}`);
    return 1;
  }
  console.log(`pscheck: ${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

// SELF_TEST_CASES are in-memory snippets that show the check can fail: each
// expects findings whose messages match every pattern given, or none.
const SELF_TEST_CASES = [
  {
    name: '?? and a syntax error together',
    source: "$value = $null\n$fallback = $value ?? 'default'\nif ($true) { Write-Output 'unclosed'\n",
    expect: [/\?\? needs PowerShell 7/, /syntax error/],
  },
  { name: '??=', source: "$x ??= 5\n", expect: [/\?\?= needs PowerShell 7/] },
  { name: '?. after a braced variable', source: '${item}?.Name\n', expect: [/\?\. needs PowerShell 7\.1/] },
  { name: '?[ after a braced variable', source: '${list}?[0]\n', expect: [/\?\[ needs PowerShell 7\.1/] },
  { name: 'ternary', source: "$mode = $force ? 'all' : 'some'\n", expect: [/ternary/] },
  { name: '&&', source: 'Get-Item a && Get-Item b\n', expect: [/&& needs PowerShell 7/] },
  { name: '||', source: "Get-Item a || Write-Warning 'missing'\n", expect: [/\|\| needs PowerShell 7/] },
  { name: 'ForEach-Object -Parallel', source: '1..3 | ForEach-Object -Parallel { $_ } -ThrottleLimit 2\n', expect: [/-Parallel/] },
  { name: '% -Parallel', source: '1..3 | % -Parallel { $_ }\n', expect: [/-Parallel/] },
  { name: 'clean block', source: "function Use-Thing {\n    clean {\n        'done'\n    }\n}\n", expect: [/clean block/] },
  { name: 'non-ASCII without BOM', source: "'caf\u00e9'\n", expect: [/non-ASCII/] },
  {
    name: 'valid 5.1 code with ? and && as data',
    source: [
      '# a comment with ?? and && and $x ? 1 : 2',
      "$text = 'a ?? b && c || d ? e : f'",
      '$more = "done: $($list.Count) items ?"',
      'Get-ChildItem | ? { $_.Length -gt 0 } | % { $_.Name }',
      'if (-not $?) { Get-Help -? }',
      'Get-ChildItem ?.log',
      '$here = @"',
      'x ?? y && z',
      '"@',
      '',
    ].join('\n'),
    expect: [],
  },
];

// MANIFEST_CASES are module folders written to a temporary directory: the
// manifest check must report each missing function.
const MANIFEST_CASES = [
  {
    name: 'manifest lists a function the module lacks',
    manifest: "@{\n    RootModule = 'Sample.psm1'\n    FunctionsToExport = @('Get-Present', 'Get-Absent')\n}\n",
    module: "function Get-Present {\n    'here'\n}\n",
    expect: [/Get-Absent, which Sample.psm1 does not define/],
  },
  {
    name: 'manifest lists a function that Export-ModuleMember leaves out',
    manifest: "@{\n    RootModule = 'Sample.psm1'\n    FunctionsToExport = @('Get-Present', 'Get-Hidden')\n}\n",
    module: "function Get-Present {\n    'here'\n}\nfunction Get-Hidden {\n    'here'\n}\nExport-ModuleMember -Function @('Get-Present')\n",
    expect: [/Get-Hidden, which Sample.psm1 does not pass to Export-ModuleMember/],
  },
  {
    name: 'manifest and module agree',
    manifest: "@{\n    RootModule = 'Sample.psm1'\n    FunctionsToExport = @('Get-Present')\n}\n",
    module: "function Get-Present {\n    'here'\n}\nExport-ModuleMember -Function @('Get-Present')\n",
    expect: [],
  },
];

function runManifestCase(testCase) {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'pscheck-'));
  try {
    const manifestPath = path.join(folder, 'Sample.psd1');
    fs.writeFileSync(manifestPath, testCase.manifest);
    fs.writeFileSync(path.join(folder, 'Sample.psm1'), testCase.module);
    return checkFile(manifestPath);
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

function selfTest() {
  let failures = 0;
  const cases = [
    ...SELF_TEST_CASES.map((testCase) => ({ ...testCase, run: () => checkSource(testCase.source, false).findings })),
    ...MANIFEST_CASES.map((testCase) => ({ ...testCase, run: () => runManifestCase(testCase) })),
  ];
  for (const testCase of cases) {
    const findings = testCase.run();
    const messages = findings.map((f) => `${f.line}:${f.column}: ${f.message}`);
    let ok;
    if (testCase.expect.length === 0) {
      ok = findings.length === 0;
    } else {
      ok = testCase.expect.every((pattern) => messages.some((message) => pattern.test(message)));
    }
    if (!ok) {
      failures++;
      console.log(`self-test FAILED: ${testCase.name}`);
      console.log(`  findings: ${messages.length === 0 ? '(none)' : messages.join('\n            ')}`);
    } else if (process.env.PSCHECK_VERBOSE) {
      console.log(`self-test ok: ${testCase.name}: ${messages.join('; ') || '(no findings)'}`);
    }
  }
  if (failures > 0) {
    console.log(`self-test: ${failures} of ${cases.length} cases were not detected as expected`);
    return 1;
  }
  console.log(`self-test ok: all ${cases.length} cases detected as expected, including a snippet with ?? and a syntax error`);
  return 0;
}

function main(argv) {
  const args = argv.slice(2);
  if (args.includes('--self-test')) {
    return selfTest();
  }
  const scriptFolder = path.dirname(fileURLToPath(import.meta.url));
  const folder = path.resolve(args[0] ?? path.join(scriptFolder, '..'));
  return runChecks(folder);
}

process.exitCode = main(process.argv);
