// Errors the library throws. Messages keep runc's wording where engines match
// on it (containerd looks for "does not exist", "not running", ...).

export class TsrunError extends Error {
  override name = 'TsrunError';
}

/** Unknown container id: `runc` says "container does not exist". */
export class ContainerNotFoundError extends TsrunError {
  override name = 'ContainerNotFoundError';
  constructor(readonly id: string) {
    super('container does not exist');
  }
}

export class ContainerExistsError extends TsrunError {
  override name = 'ContainerExistsError';
  constructor(readonly id: string) {
    super('container with given ID already exists');
  }
}

/** An operation that the container's current status does not allow. */
export class InvalidStateError extends TsrunError {
  override name = 'InvalidStateError';
}

/** A bad argument: id, flag value, signal. */
export class InvalidArgumentError extends TsrunError {
  override name = 'InvalidArgumentError';
}
