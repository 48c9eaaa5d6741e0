// Highlighting for DNS zone files (RFC 1035 section 5, the master file
// format the board's zones/*.zone use): comments, $directives, owner names,
// TTLs, classes, record types, quoted strings and parentheses. It only
// colours the text; the board is the one that checks a zone when it is
// pushed.
import { StreamLanguage } from '@codemirror/language';

const TYPES = new Set(
	('A AAAA AFSDB APL CAA CDNSKEY CDS CERT CNAME CSYNC DHCID DLV DNAME DNSKEY DS ' +
		'EUI48 EUI64 HINFO HIP HTTPS IPSECKEY KEY KX LOC MX NAPTR NS NSEC NSEC3 ' +
		'NSEC3PARAM OPENPGPKEY PTR RP RRSIG SIG SMIMEA SOA SPF SRV SSHFP SVCB TA ' +
		'TKEY TLSA TSIG TXT URI ZONEMD').split(' '),
);
const CLASSES = new Set(['IN', 'CH', 'HS', 'CS']);
// A TTL: seconds, or BIND's units (1h30m, 2d, 1w).
const TTL = /^(\d+|(\d+[wdhms])+)$/i;

function token(stream, state) {
	if (stream.sol()) state.field = 0;
	if (stream.eatSpace()) return null;
	const ch = stream.peek();
	if (ch === ';') {
		stream.skipToEnd();
		return 'comment';
	}
	if (ch === '"') {
		stream.next();
		while (!stream.eol()) {
			const c = stream.next();
			if (c === '\\') stream.next();
			else if (c === '"') break;
		}
		return 'string';
	}
	if (ch === '(' || ch === ')') {
		stream.next();
		return 'paren';
	}
	const first = state.field++ === 0 && stream.column() === 0;
	stream.match(/^[^\s;"()]+/);
	const word = stream.current();
	if (first && word[0] === '$') return 'keyword';
	if (word === '@') return 'atom';
	if (first) return 'def';
	const upper = word.toUpperCase();
	if (TYPES.has(upper) || /^TYPE\d+$/.test(upper)) return 'typeName';
	if (CLASSES.has(upper)) return 'modifier';
	if (TTL.test(word)) return 'number';
	return null;
}

export const zone = StreamLanguage.define({
	name: 'zone',
	startState: () => ({ field: 0 }),
	token,
	languageData: { commentTokens: { line: ';' } },
});
