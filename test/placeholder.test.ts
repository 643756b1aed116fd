import { describe, expect, it } from 'vitest';
import { PolicySchema } from '@edgesteer/policy';

describe('workspace wiring', () => {
  it('resolves workspace packages from test/', () => {
    expect(PolicySchema.safeParse({}).success).toBe(false);
  });
});
