// HCS failures as errors that name the operation, the HRESULT by name and
// HCS's own message (from the error record, hcsshim's ResultError).
import { TsrunError } from '../errors.js';

const NAMES: Record<number, string> = {
  0x80370100: 'HCS_E_TERMINATED_DURING_START',
  0x80370101: 'HCS_E_IMAGE_MISMATCH',
  0x80370102: 'HCS_E_HYPERV_NOT_INSTALLED',
  0x80370105: 'HCS_E_INVALID_STATE',
  0x80370106: 'HCS_E_UNEXPECTED_EXIT',
  0x80370107: 'HCS_E_TERMINATED',
  0x80370108: 'HCS_E_CONNECT_FAILED',
  0x80370109: 'HCS_E_CONNECTION_TIMEOUT',
  0x8037010a: 'HCS_E_CONNECTION_CLOSED',
  0x8037010b: 'HCS_E_UNKNOWN_MESSAGE',
  0x8037010c: 'HCS_E_UNSUPPORTED_PROTOCOL_VERSION',
  0x8037010d: 'HCS_E_INVALID_JSON',
  0x8037010e: 'HCS_E_SYSTEM_NOT_FOUND',
  0x8037010f: 'HCS_E_SYSTEM_ALREADY_EXISTS',
  0x80370110: 'HCS_E_SYSTEM_ALREADY_STOPPED',
  0x80370111: 'HCS_E_PROTOCOL_ERROR',
  0x80370112: 'HCS_E_INVALID_LAYER',
  0x80370113: 'HCS_E_WINDOWS_INSIDER_REQUIRED',
  0x80370114: 'HCS_E_SERVICE_NOT_AVAILABLE',
  0x80370115: 'HCS_E_OPERATION_NOT_STARTED',
  0x80370116: 'HCS_E_OPERATION_ALREADY_STARTED',
  0x80370117: 'HCS_E_OPERATION_PENDING',
  0x80370118: 'HCS_E_OPERATION_TIMEOUT',
  0x80370119: 'HCS_E_OPERATION_SYSTEM_CALLBACK_ALREADY_SET',
  0x8037011a: 'HCS_E_OPERATION_RESULT_ALLOCATION_FAILED',
  0x8037011b: 'HCS_E_ACCESS_DENIED',
  0x8037011c: 'HCS_E_GUEST_CRITICAL_ERROR',
  0x8037011d: 'HCS_E_PROCESS_INFO_NOT_AVAILABLE',
  0x8037011e: 'HCS_E_SERVICE_DISCONNECT',
  0x8037011f: 'HCS_E_PROCESS_ALREADY_STOPPED',
  0x80370120: 'HCS_E_SYSTEM_NOT_CONFIGURED_FOR_OPERATION',
  0x80370121: 'HCS_E_OPERATION_ALREADY_CANCELLED',
  0x80070005: 'E_ACCESSDENIED',
  0x80070006: 'E_HANDLE',
  0x80070057: 'E_INVALIDARG',
  0x8007000e: 'E_OUTOFMEMORY',
  0x80004005: 'E_FAIL',
  0x80004001: 'E_NOTIMPL',
  0x80070490: 'HRESULT_FROM_WIN32(ERROR_NOT_FOUND)',
  0x80070002: 'HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND)',
};

export function hresultName(hr: number): string {
  const hex = `0x${(hr >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
  const name = NAMES[hr >>> 0];
  return name ? `${name} (${hex})` : hex;
}

/** An HCS call failed: the operation, the HRESULT (number and name) and HCS's message. */
export class HcsError extends TsrunError {
  override name = 'HcsError';
  constructor(
    readonly operation: string,
    readonly hresult: number,
    readonly record: string | undefined,
    context = '',
  ) {
    super(`${context}${operation} failed: ${hresultName(hresult)}${recordMessage(record)}`);
  }
}

function recordMessage(record: string | undefined): string {
  if (!record) return '';
  try {
    const parsed = JSON.parse(record) as { ErrorMessage?: string; ErrorEvents?: { Message?: string }[] };
    const events = (parsed.ErrorEvents ?? []).map((e) => e.Message).filter((m) => m && m !== parsed.ErrorMessage);
    const text = [parsed.ErrorMessage, ...events].filter(Boolean).join('; ');
    return text ? `: ${text}` : '';
  } catch {
    return `: ${record}`;
  }
}

/** The addon's error (.operation, .hresult, .record) as an HcsError; anything else unchanged. */
export function hcsError(e: unknown, context = ''): unknown {
  const err = e as { operation?: string; hresult?: number; record?: string };
  return typeof err?.hresult === 'number' && err.operation ? new HcsError(err.operation, err.hresult, err.record, context) : e;
}

export function isHresult(e: unknown, name: string): boolean {
  return e instanceof HcsError && NAMES[e.hresult >>> 0] === name;
}
