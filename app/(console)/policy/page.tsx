import { redirect } from "next/navigation";

export default function PolicyIndex() {
  redirect("/policy/roles");
}
