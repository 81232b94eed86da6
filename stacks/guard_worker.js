// One worker of stacks/guard.py: runs cdk-validator-cfnguard's own CfnGuardValidator.validate() on groups of
// templates, each group with the Guard rule files that can apply to it.
// Usage: node guard_worker.js <unpacked package folder>  (stdin: [{templatePaths, rulePaths}], stdout: the reports)
'use strict';
const fs = require('fs');
const path = require('path');

const { CfnGuardValidator } = require(path.join(process.argv[2], 'lib', 'plugin.js'));

const jobs = JSON.parse(fs.readFileSync(0, 'utf-8'));
const reports = jobs.map((job) => {
  const validator = new CfnGuardValidator({ controlTowerRulesEnabled: false, rules: job.rulePaths });
  return validator.validate({ templatePaths: job.templatePaths });
});
process.stdout.write(JSON.stringify(reports));
