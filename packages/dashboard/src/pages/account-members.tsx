import { catalogApi, type MemberLimit } from "../api/catalog-api.ts";
import { Pager, useCursorPages } from "./cursor-pager.tsx";

const limitText = (limit: MemberLimit) =>
  `${limit.unit}: spent ${limit.spent}, held ${limit.held}${limit.cap === null ? ", no cap" : ` of a ${limit.cap} cap (${limit.remaining} left)`}`;

/** An organization's members and their caps per unit, with what each has spent and holds against them. */
export function AccountMembers(props: { account: string; changes: string }) {
  const members = useCursorPages(
    (after) => catalogApi.members(props.account, after),
    `${props.account} ${props.changes}`,
  );
  return (
    <section className="card" aria-label="Members">
      <h2>Members</h2>
      {members.error && <p className="error">{members.error}</p>}
      {members.value?.data.length === 0 && !members.hasPrevious && <p className="status">No member yet.</p>}
      {members.value && members.value.data.length > 0 && (
        <div className="table-scroll">
          <table className="members">
            <thead>
              <tr>
                <th>Member</th>
                <th>Caps and use</th>
                <th>Added</th>
              </tr>
            </thead>
            <tbody>
              {members.value.data.map((member) => (
                <tr key={member.memberId}>
                  <td>{member.member}</td>
                  <td>
                    {member.limits.length === 0
                      ? "no cap"
                      : member.limits.map((limit) => <div key={limit.unit}>{limitText(limit)}</div>)}
                  </td>
                  <td>{new Date(member.addedAt).toLocaleDateString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {(members.hasPrevious || members.value?.nextCursor) && <Pager pages={members} label="Members pages" />}
    </section>
  );
}
